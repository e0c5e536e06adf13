/**
 * Exponential backoff with full jitter (a uniform draw in [0, ceiling)): after n failures the
 * ceiling is initial * 2^n, capped at max. Jitter spreads the retries of the events that all
 * failed at once in an outage, so they do not come back as one burst.
 */
export class RetryBackoff {
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The ceiling of the delay after `failuresBefore` earlier failures (0 for the first failure). */
  ceilingMs(failuresBefore: number): number {
    // 2^31 already exceeds any configured cap (retry_max_ms <= 1 h); the clamp keeps the power finite.
    const doublings = Math.min(Math.max(0, failuresBefore), 31);
    return Math.min(this.maxMs, this.initialMs * 2 ** doublings);
  }

  delayMs(failuresBefore: number): number {
    return Math.floor(this.random() * this.ceilingMs(failuresBefore));
  }
}
