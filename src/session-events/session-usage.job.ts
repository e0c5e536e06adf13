import { Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { SessionStore } from '../session/session-store.service';
import type { SessionEventProducer } from './session-event.producer';

/**
 * ReportSessionUpdate for every live session every events.update_interval_seconds, with the
 * counters the last reconciliation read from ocserv (session.reconcile_interval_seconds: the
 * counters are that fresh). The outbox keeps one waiting update per session, so an outage
 * holds at most one update per live session, never one per interval.
 */
export class SessionUsageJob {
  private readonly logger = new Logger(SessionUsageJob.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly producer: SessionEventProducer,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round; returns how many updates were stored. */
  runOnce(): number {
    const nowMs = this.clock.nowMs();
    let stored = 0;
    let dropped = 0;
    for (const session of this.store.list()) {
      const outcome = this.producer.usage(session, nowMs);
      if (outcome.outcome === 'stored') stored += 1;
      else if (outcome.outcome === 'dropped') dropped += 1;
    }
    if (dropped > 0) this.logger.warn({ msg: 'usage updates dropped: the event outbox is full (events.max_outbox_bytes)', dropped, stored });
    return stored;
  }
}
