import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import type { DecisionSource } from './vpn-notices';

/** A cache hit is microseconds, a portal call milliseconds, a fail-mode decision up to the whole budget. */
const DECISION_BUCKETS_SECONDS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Every connection decision (hook and NotifyConnect): where it came from, how long it took. */
@Injectable()
export class DecisionMetrics {
  private readonly decisions: Counter<'source' | 'allowed'>;
  private readonly duration: Histogram<'source'>;

  constructor(registry: MetricsRegistry) {
    this.decisions = new Counter({
      name: 'ocserv_agent_authorization_decisions_total',
      help: 'Connection decisions by source (portal, cache, stale, fail-open, fail-close, local, static) and outcome.',
      labelNames: ['source', 'allowed'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'ocserv_agent_authorization_decision_seconds',
      help: 'Time to decide a connection, by source.',
      labelNames: ['source'],
      buckets: DECISION_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  decided(source: DecisionSource, allowed: boolean, seconds: number): void {
    this.decisions.inc({ source, allowed: String(allowed) });
    this.duration.observe({ source }, seconds);
  }
}
