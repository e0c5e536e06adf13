import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import type { OcctlRunResult } from './occtl-runner';

/** occtl answers in a few ms; a hung ocserv shows up in the top buckets. */
const OCCTL_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type OcctlOutcome = 'ok' | 'refused' | 'unreachable' | 'timeout' | 'error';

/** occtl runs and the event stream, for dashboards and alerts on ocserv control. */
@Injectable()
export class OcctlMetrics {
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly duration: Histogram<'command'>;
  private readonly streamRestarts: Counter;

  constructor(registry: MetricsRegistry) {
    this.commands = new Counter({
      name: 'ocserv_agent_occtl_commands_total',
      help: 'occtl runs by command and outcome (ok, refused = non-zero exit, unreachable, timeout, error).',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'ocserv_agent_occtl_command_seconds',
      help: 'Time an occtl run took, by command.',
      labelNames: ['command'],
      buckets: OCCTL_BUCKETS_SECONDS,
      registers: [registry],
    });
    this.streamRestarts = new Counter({
      name: 'ocserv_agent_occtl_event_stream_restarts_total',
      help: 'Times `occtl show events` ended and was started again.',
      registers: [registry],
    });
  }

  observe(command: string, result: OcctlRunResult, outcome: OcctlOutcome): void {
    this.commands.inc({ command, outcome });
    this.duration.observe({ command }, result.durationMs / 1000);
  }

  failedToStart(command: string): void {
    this.commands.inc({ command, outcome: 'error' });
  }

  eventStreamRestarted(): void {
    this.streamRestarts.inc();
  }
}
