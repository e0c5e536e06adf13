import type { RetryBackoff } from './retry-backoff';

/**
 * The global pause while the portal is unreachable. Without it, 10,000 waiting events would
 * each fail on their own schedule: max_in_flight failing calls every few milliseconds for the
 * whole outage. With it, the first UNAVAILABLE stops every send until the pause ends; then
 * one round of calls probes (nothing more is sent until that round has settled). A round
 * that fails again doubles the pause's ceiling (the pause's own count of failed rounds, not
 * an event's attempts: the probes are often fresh events); any answer ends the pause.
 *
 * Sends are tagged with the round they were started in, so the dozens of calls of one round
 * that all fail together extend the pause once, not once each.
 */
export class DeliveryPause {
  private failedRounds = 0;
  private currentRound = 0;
  private resumeAt = 0;
  private sinceMs = 0;

  constructor(private readonly backoff: RetryBackoff) {}

  get active(): boolean {
    return this.failedRounds > 0;
  }

  /** The tag for a send started now. */
  get round(): number {
    return this.currentRound;
  }

  get resumeAtMs(): number {
    return this.resumeAt;
  }

  /** Failed probe rounds in the current outage (0: not paused). */
  get failedRoundCount(): number {
    return this.failedRounds;
  }

  allowsSending(nowMs: number, inFlight: number): boolean {
    return !this.active || (nowMs >= this.resumeAt && inFlight === 0);
  }

  /** A send of `round` found the portal unreachable. true when this opened or extended the pause. */
  unreachable(nowMs: number, round: number): boolean {
    if (round !== this.currentRound) return false;
    if (this.failedRounds === 0) this.sinceMs = nowMs;
    this.resumeAt = nowMs + this.backoff.delayMs(this.failedRounds);
    this.failedRounds += 1;
    this.currentRound += 1;
    return true;
  }

  /** The portal answered. The outage's length in ms when this ended a pause, else undefined. */
  reachable(nowMs: number): number | undefined {
    if (!this.active) return undefined;
    this.failedRounds = 0;
    this.currentRound += 1;
    return nowMs - this.sinceMs;
  }
}
