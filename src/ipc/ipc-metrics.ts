import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import type { HookOp } from './hook-request';
import type { IpcOutcome } from './ipc-outcome';

/** Why the transport refused a connection or a request before any handler ran. */
export type IpcRejection = 'too_large' | 'timeout' | 'bad_frame' | 'bad_request' | 'over_capacity' | 'evicted';

/** A static decision takes microseconds; a portal decision up to decision_timeout_ms (2 s default). */
const REQUEST_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

@Injectable()
export class IpcMetrics {
  private readonly connections: Gauge;
  private readonly requests: Counter<'op' | 'outcome'>;
  private readonly rejected: Counter<'reason'>;
  private readonly duration: Histogram<'op'>;

  constructor(registry: MetricsRegistry) {
    this.connections = new Gauge({
      name: 'ocserv_agent_ipc_connections',
      help: 'Hook socket connections currently open.',
      registers: [registry],
    });
    this.requests = new Counter({
      name: 'ocserv_agent_ipc_requests_total',
      help: 'Hook requests answered, by op and outcome.',
      labelNames: ['op', 'outcome'],
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'ocserv_agent_ipc_rejected_total',
      help: 'Hook connections or requests refused by the transport before a handler ran, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'ocserv_agent_ipc_request_seconds',
      help: 'Time from a whole hook request received to its answer written, by op.',
      labelNames: ['op'],
      buckets: REQUEST_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  connectionOpened(): void {
    this.connections.inc();
  }

  connectionClosed(): void {
    this.connections.dec();
  }

  requestAnswered(op: HookOp, outcome: IpcOutcome, durationMs: number): void {
    this.requests.inc({ op, outcome });
    this.duration.observe({ op }, durationMs / 1000);
  }

  rejection(reason: IpcRejection): void {
    this.rejected.inc({ reason });
  }
}
