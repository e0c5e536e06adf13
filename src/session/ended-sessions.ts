import type { Clock } from '../clock/clock';

/** Long enough to outlive any snapshot or `show id` that was in flight when the session ended. */
const REMEMBER_MS = 60_000;
/** Bounds memory during a disconnect storm; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

/**
 * Sessions known to have ended recently. Events and snapshots race: a snapshot
 * taken just before a disconnect, applied just after it, would bring the
 * session back until the next reconciliation. Ids here are not re-added.
 */
export class EndedSessions {
  private readonly endedAtMs = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  add(sessionId: string): void {
    this.endedAtMs.delete(sessionId);
    this.endedAtMs.set(sessionId, this.clock.nowMs());
    if (this.endedAtMs.size > MAX_REMEMBERED) {
      const oldest = this.endedAtMs.keys().next().value;
      if (oldest !== undefined) this.endedAtMs.delete(oldest);
    }
  }

  has(sessionId: string): boolean {
    const at = this.endedAtMs.get(sessionId);
    if (at === undefined) return false;
    if (this.clock.nowMs() - at >= REMEMBER_MS) {
      this.endedAtMs.delete(sessionId);
      return false;
    }
    return true;
  }
}
