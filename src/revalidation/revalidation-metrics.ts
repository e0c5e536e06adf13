import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { REVALIDATION_OUTCOMES, type RevalidationEndCause, type RevalidationOutcome } from './revalidation-outcome';

/**
 * A round is spread over revalidation.interval_seconds, so its duration is about the
 * interval (default 300 s); the buckets reach past the longest interval the config allows (1 day).
 */
const ROUND_DURATION_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 21_600, 86_400, 172_800];

/** Periodic ValidateSession: what each session's turn came to, the sessions ended, how long rounds take. */
@Injectable()
export class RevalidationMetrics {
  private readonly validations: Counter<'outcome'>;
  private readonly ended: Counter<'cause'>;
  private readonly endFailures: Counter;
  private readonly roundDuration: Histogram;

  constructor(registry: MetricsRegistry) {
    this.validations = new Counter({
      name: 'ocserv_agent_revalidation_validations_total',
      help:
        'Session turns in revalidation rounds by outcome (valid, invalid = the portal revoked it, ' +
        'failed = the portal could not be asked, ' +
        'skipped_breaker_open = not asked: the portal circuit breaker was open, skipped_ended = the session had ended by its turn).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.ended = new Counter({
      name: 'ocserv_agent_revalidation_sessions_ended_total',
      help:
        'Sessions revalidation ended on ocserv, by cause ' +
        '(invalid = the portal said so, portal_unavailable = the portal could not be asked and when_portal_unavailable is disconnect).',
      labelNames: ['cause'],
      registers: [registry],
    });
    this.endFailures = new Counter({
      name: 'ocserv_agent_revalidation_session_end_failures_total',
      help: 'Sessions revalidation meant to end but could not (the disconnect failed); each is tried again next round.',
      registers: [registry],
    });
    this.roundDuration = new Histogram({
      name: 'ocserv_agent_revalidation_round_duration_seconds',
      help: 'Time from the start of a revalidation round to its last answer (spread over the interval by design).',
      buckets: ROUND_DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
    // Zeros from the start, so a rate() over an outcome that has not happened yet is 0, not absent.
    for (const outcome of REVALIDATION_OUTCOMES) this.validations.inc({ outcome }, 0);
    for (const cause of ['invalid', 'portal_unavailable'] satisfies RevalidationEndCause[]) this.ended.inc({ cause }, 0);
  }

  validation(outcome: RevalidationOutcome): void {
    this.validations.inc({ outcome });
  }

  sessionEnded(cause: RevalidationEndCause): void {
    this.ended.inc({ cause });
  }

  sessionEndFailed(): void {
    this.endFailures.inc();
  }

  roundFinished(durationMs: number): void {
    this.roundDuration.observe(durationMs / 1000);
  }
}
