import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

/** Whether the agent reaches ocserv, and how reconciliation goes. */
@Injectable()
export class OcservSyncMetrics {
  private readonly up: Gauge;
  private readonly restarts: Counter;
  private readonly reconciliations: Counter<'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.up = new Gauge({
      name: 'ocserv_agent_ocserv_up',
      help: '1 when the last reconciliation reached ocserv through occtl, else 0.',
      registers: [registry],
    });
    this.restarts = new Counter({
      name: 'ocserv_agent_ocserv_restarts_total',
      help: 'ocserv restarts the agent noticed (its PID or "Up since" changed).',
      registers: [registry],
    });
    this.reconciliations = new Counter({
      name: 'ocserv_agent_session_reconciliations_total',
      help: 'Session reconciliations with ocserv, by outcome (ok, unreachable).',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  reconciled(): void {
    this.up.set(1);
    this.reconciliations.inc({ outcome: 'ok' });
  }

  unreachable(): void {
    this.up.set(0);
    this.reconciliations.inc({ outcome: 'unreachable' });
  }

  restarted(): void {
    this.restarts.inc();
  }
}
