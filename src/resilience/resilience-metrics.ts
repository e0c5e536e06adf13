import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import type { BreakerState } from './portal-breaker';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
/** From "no wait" to the longest decision budget worth seeing (authorization.decision_timeout_ms default 2 s). */
const QUEUE_WAIT_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

export type PortalCallOutcome = 'ok' | 'failed' | 'breaker_open' | 'over_budget' | 'queue_full' | 'queue_timeout';

/** The portal path: the breaker's state, the agent's own call queue, and what became of each CheckPolicy attempt. */
@Injectable()
export class ResilienceMetrics {
  private readonly breaker: Gauge;
  private readonly calls: Counter<'outcome'>;
  private readonly queueDepth: Gauge;
  private readonly queueBytes: Gauge;
  private readonly inFlight: Gauge;
  private readonly queueWait: Histogram;

  constructor(registry: MetricsRegistry) {
    this.breaker = new Gauge({
      name: 'ocserv_agent_portal_breaker_state',
      help: 'Portal circuit breaker: 0 closed, 1 half-open, 2 open.',
      registers: [registry],
    });
    this.calls = new Counter({
      name: 'ocserv_agent_portal_check_policy_total',
      help:
        'CheckPolicy attempts by outcome (ok, failed, breaker_open = not sent, over_budget = the decision budget ran out first, ' +
        'queue_full / queue_timeout = not sent: the agent\'s own queue was full / its wait used up the budget).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.queueDepth = new Gauge({
      name: 'ocserv_agent_portal_queue_depth',
      help: 'CheckPolicy calls waiting for a free slot (portal.max_concurrent_calls).',
      registers: [registry],
    });
    this.queueBytes = new Gauge({
      name: 'ocserv_agent_portal_queue_bytes',
      help: 'Estimated heap bytes of the waiting CheckPolicy calls (bounded by portal.max_queued_bytes).',
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: 'ocserv_agent_portal_calls_in_flight',
      help: 'CheckPolicy calls on the wire now.',
      registers: [registry],
    });
    this.queueWait = new Histogram({
      name: 'ocserv_agent_portal_queue_wait_seconds',
      help: 'Time a CheckPolicy call waited in the agent before it was sent (or until its budget ran out).',
      buckets: QUEUE_WAIT_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  breakerState(state: BreakerState): void {
    this.breaker.set(BREAKER_STATE_VALUE[state]);
  }

  portalCall(outcome: PortalCallOutcome): void {
    this.calls.inc({ outcome });
  }

  portalQueue(depth: number, bytes: number): void {
    this.queueDepth.set(depth);
    this.queueBytes.set(bytes);
  }

  portalInFlight(calls: number): void {
    this.inFlight.set(calls);
  }

  portalQueueWait(ms: number): void {
    this.queueWait.observe(ms / 1000);
  }
}
