import type { LoggerService } from '@nestjs/common';
import type { SessionEventKind } from '../session-event';
import { OUTBOX_DROP_LOG_EVERY } from './outbox-limits.constant';

/**
 * Counts events the full outbox dropped (or evicted), by kind, and logs the first drop of a kind
 * and then one line per OUTBOX_DROP_LOG_EVERY: while the portal is away and the outbox is full,
 * every usage tick drops, and the journal must not fill with it.
 */
export class OutboxDropLog {
  private readonly counts: Record<SessionEventKind, number> = { connect: 0, disconnect: 0, update: 0 };

  constructor(
    private readonly logger: LoggerService,
    private readonly logEvery = OUTBOX_DROP_LOG_EVERY,
  ) {}

  dropped(kind: SessionEventKind, howMany: number, detail: string): void {
    if (howMany <= 0) return;
    const before = this.counts[kind];
    const after = before + howMany;
    this.counts[kind] = after;
    const crossedMark = Math.floor(after / this.logEvery) > Math.floor(before / this.logEvery);
    if (before === 0 || crossedMark) {
      this.logger.warn({ msg: 'event outbox full, events dropped', kind, dropped_now: howMany, dropped_total: after, detail });
    }
  }

  byKind(): Record<SessionEventKind, number> {
    return { ...this.counts };
  }
}
