import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

/** Sub-ms to seconds: in-memory RPCs take well under 1 ms, occtl-backed ones up to seconds. */
const DURATION_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

@Injectable()
export class RpcMetrics {
  private readonly handled: Counter<'method' | 'code'>;
  private readonly duration: Histogram<'method'>;

  constructor(registry: MetricsRegistry) {
    this.handled = new Counter({
      name: 'ocserv_agent_grpc_server_handled_total',
      help: 'gRPC calls completed by the agent, by method and status code.',
      labelNames: ['method', 'code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'ocserv_agent_grpc_server_handling_seconds',
      help: 'Time from the start of a gRPC call to its status, by method.',
      labelNames: ['method'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  observe(method: string, code: string, durationMs: number): void {
    this.handled.inc({ method, code });
    this.duration.observe({ method }, durationMs / 1000);
  }
}
