import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import type { BreakerState } from './portal-breaker';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export type PortalCallOutcome = 'ok' | 'failed' | 'breaker_open' | 'over_budget';

/** The portal path: the breaker's state and what became of each CheckPolicy attempt. */
@Injectable()
export class ResilienceMetrics {
  private readonly breaker: Gauge;
  private readonly calls: Counter<'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.breaker = new Gauge({
      name: 'ocserv_agent_portal_breaker_state',
      help: 'Portal circuit breaker: 0 closed, 1 half-open, 2 open.',
      registers: [registry],
    });
    this.calls = new Counter({
      name: 'ocserv_agent_portal_check_policy_total',
      help: 'CheckPolicy attempts by outcome (ok, failed, breaker_open = not sent, over_budget = the decision budget ran out first).',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  breakerState(state: BreakerState): void {
    this.breaker.set(BREAKER_STATE_VALUE[state]);
  }

  portalCall(outcome: PortalCallOutcome): void {
    this.calls.inc({ outcome });
  }
}
