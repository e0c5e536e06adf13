import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Clock } from '../clock/clock';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { EventOutbox, type OutboxStats } from './outbox/event-outbox';
import type { SessionEventKind } from './session-event';

const KINDS: readonly SessionEventKind[] = ['connect', 'disconnect', 'update'];
/** One scrape reads the backlog, the oldest age and the drops: one outbox query for the three. */
const STATS_REUSE_MS = 100;
/** From a LAN round trip to a day-long portal outage. */
const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400, 86_400];

/**
 * The outbox and its delivery to the portal. Backlog, oldest age and drops are read from
 * the outbox at scrape time (so they cannot drift from it); deliveries and retries are
 * counted by the deliverer as they happen.
 */
@Injectable()
export class SessionEventsMetrics {
  private readonly logger = new Logger(SessionEventsMetrics.name);
  private readonly deliveredTotal: Counter<'kind'>;
  private readonly retriedTotal: Counter<'kind'>;
  private readonly unsuccessfulTotal: Counter<'kind'>;
  private readonly recordFailuresTotal: Counter<'kind'>;
  private readonly latency: Histogram<'kind'>;
  private readonly inFlightGauge: Gauge;
  private readonly pausedGauge: Gauge;
  private cached: { atMs: number; stats: OutboxStats | undefined } | undefined;

  constructor(
    registry: MetricsRegistry,
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
  ) {
    const metrics = this;
    new Gauge({
      name: 'ocserv_agent_events_backlog',
      help: 'Session events in the outbox not yet delivered to the portal, by kind.',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const stats = metrics.stats();
        for (const kind of KINDS) this.set({ kind }, stats?.pendingByKind[kind] ?? 0);
      },
    });
    new Gauge({
      name: 'ocserv_agent_events_oldest_undelivered_age_seconds',
      help: 'Age of the oldest session event not yet delivered (0 when none): how far behind the portal is.',
      registers: [registry],
      collect() {
        const oldest = metrics.stats()?.oldestCreatedAtMs;
        this.set(oldest === undefined ? 0 : Math.max(0, (clock.nowMs() - oldest) / 1000));
      },
    });
    const droppedSeen: Record<SessionEventKind, number> = { connect: 0, disconnect: 0, update: 0 };
    new Counter({
      name: 'ocserv_agent_events_dropped_total',
      help: 'Session events dropped because the outbox was full (events.max_outbox_bytes), by kind.',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const dropped = metrics.stats()?.droppedByKind;
        for (const kind of KINDS) {
          // The outbox counts since start; a counter only goes up, so add what is new.
          const now = dropped?.[kind] ?? droppedSeen[kind];
          if (now > droppedSeen[kind]) this.inc({ kind }, now - droppedSeen[kind]);
          droppedSeen[kind] = Math.max(droppedSeen[kind], now);
        }
      },
    });
    this.deliveredTotal = new Counter({
      name: 'ocserv_agent_events_delivered_total',
      help: 'Session events the portal answered, by kind (an answer with success false included).',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.retriedTotal = new Counter({
      name: 'ocserv_agent_events_retried_total',
      help: 'Session event sends that failed and were scheduled again (portal down, timed out, error status), by kind.',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.unsuccessfulTotal = new Counter({
      name: 'ocserv_agent_events_unsuccessful_total',
      help: 'Session events the portal answered with success false (delivered, not resent), by kind.',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'ocserv_agent_events_delivery_latency_seconds',
      help: "From an event's recording to the portal's answer, by kind.",
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    });
    this.recordFailuresTotal = new Counter({
      name: 'ocserv_agent_events_record_failures_total',
      help: 'Session events that could not be written to the outbox (disk full, I/O error), by kind: lost unless recovery at the next start finds them.',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.inFlightGauge = new Gauge({
      name: 'ocserv_agent_events_in_flight',
      help: 'EventService calls on the wire (at most events.max_in_flight).',
      registers: [registry],
    });
    this.pausedGauge = new Gauge({
      name: 'ocserv_agent_events_delivery_paused',
      help: '1 while delivery is paused because the portal is unreachable, else 0.',
      registers: [registry],
    });
    for (const kind of KINDS) {
      this.deliveredTotal.inc({ kind }, 0);
      this.retriedTotal.inc({ kind }, 0);
      this.recordFailuresTotal.inc({ kind }, 0);
    }
  }

  recordFailed(kind: SessionEventKind): void {
    this.recordFailuresTotal.inc({ kind });
  }

  delivered(kind: SessionEventKind, latencySeconds: number): void {
    this.deliveredTotal.inc({ kind });
    this.latency.observe({ kind }, Math.max(0, latencySeconds));
  }

  retried(kind: SessionEventKind): void {
    this.retriedTotal.inc({ kind });
  }

  unsuccessful(kind: SessionEventKind): void {
    this.unsuccessfulTotal.inc({ kind });
  }

  inFlight(count: number): void {
    this.inFlightGauge.set(count);
  }

  paused(paused: boolean): void {
    this.pausedGauge.set(paused ? 1 : 0);
  }

  /** A scrape must not fail because the outbox cannot be read (closed at shutdown, disk error): its gauges read 0. */
  private stats(): OutboxStats | undefined {
    const nowMs = this.clock.nowMs();
    if (this.cached !== undefined && nowMs - this.cached.atMs < STATS_REUSE_MS && nowMs >= this.cached.atMs) return this.cached.stats;
    let stats: OutboxStats | undefined;
    try {
      stats = this.outbox.stats();
    } catch (error) {
      this.logger.warn({ msg: 'outbox stats unreadable for metrics', error: String(error) });
    }
    this.cached = { atMs: nowMs, stats };
    return stats;
  }
}
