/**
 * What became of one session's turn in a round. skipped_ended: the session was gone
 * (disconnected, expired) by its turn, so nothing was asked.
 */
export type RevalidationOutcome = 'valid' | 'invalid' | 'failed' | 'skipped_breaker_open' | 'skipped_ended';

export const REVALIDATION_OUTCOMES: readonly RevalidationOutcome[] = [
  'valid',
  'invalid',
  'failed',
  'skipped_breaker_open',
  'skipped_ended',
];

/** Why revalidation ended a session: the portal said so, or it could not be asked and the operator chose disconnect. */
export type RevalidationEndCause = 'invalid' | 'portal_unavailable';

/** One round's counts, for its summary log line; the metrics count the same things across rounds. */
export class RevalidationRoundTally {
  readonly outcomes: Record<RevalidationOutcome, number> = { valid: 0, invalid: 0, failed: 0, skipped_breaker_open: 0, skipped_ended: 0 };
  sessionsEnded = 0;
  /** "keep" logs the outage once per round, not once per session. */
  portalUnavailableLogged = false;

  constructor(readonly sessions: number) {}

  /** Anything an operator would want at info level: a failure, an end, a skipped turn. */
  get eventful(): boolean {
    return this.outcomes.valid + this.outcomes.skipped_ended < this.sessions || this.sessionsEnded > 0;
  }
}
