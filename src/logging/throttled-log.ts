import type { LoggerService } from '@nestjs/common';
import type { Clock } from '../clock/clock';

export type ThrottledLevel = 'warn' | 'error' | 'log';

/**
 * At most one line per key per interval; the next line that gets through says how many of
 * its key were left out. A portal that is down or answers nonsense fails every call the same
 * way: thousands of identical lines a second would bury the journal, one every few seconds
 * says the same. Counters (metrics) keep the exact numbers.
 */
export class ThrottledLog {
  private readonly lastMs = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly logger: LoggerService,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** true when the line was written. */
  write(level: ThrottledLevel, key: string, line: Readonly<Record<string, unknown>>): boolean {
    const nowMs = this.clock.nowMs();
    const last = this.lastMs.get(key);
    if (last !== undefined && nowMs - last < this.intervalMs) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return false;
    }
    const leftOut = this.suppressed.get(key) ?? 0;
    this.lastMs.set(key, nowMs);
    this.suppressed.delete(key);
    this.logger[level]({ ...line, ...(leftOut > 0 ? { suppressed_since_last: leftOut } : {}) });
    return true;
  }

  /** Forget `key`, so its next line is written at once (e.g. the outage it reported is over). */
  reset(key: string): void {
    this.lastMs.delete(key);
    this.suppressed.delete(key);
  }
}
