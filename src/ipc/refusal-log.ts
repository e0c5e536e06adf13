import type { LoggerService } from '@nestjs/common';
import type { Clock } from '../clock/clock';
import { REFUSAL_WARN_INTERVAL_MS } from './ipc-limits.constant';
import type { IpcRejection } from './ipc-metrics';

/**
 * Warn lines for refusals, at most one per reason per interval: a flood of bad connections
 * must not flood the journal. A line reports how many of its kind were left out before it.
 */
export class RefusalLog {
  private readonly lastWarnMs = new Map<IpcRejection, number>();
  private readonly suppressed = new Map<IpcRejection, number>();

  constructor(
    private readonly logger: LoggerService,
    private readonly clock: Clock,
    private readonly intervalMs = REFUSAL_WARN_INTERVAL_MS,
  ) {}

  warn(reason: IpcRejection, message: string): void {
    const nowMs = this.clock.nowMs();
    const lastMs = this.lastWarnMs.get(reason);
    if (lastMs !== undefined && nowMs - lastMs < this.intervalMs) {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
      return;
    }
    const leftOut = this.suppressed.get(reason) ?? 0;
    this.lastWarnMs.set(reason, nowMs);
    this.suppressed.delete(reason);
    this.logger.warn({
      msg: 'hook request refused',
      reason,
      detail: message,
      ...(leftOut > 0 ? { suppressed_since_last: leftOut } : {}),
    });
  }
}
