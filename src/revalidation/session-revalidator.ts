import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig, RevalidationConfig } from '../config/agent-config.schema';
import { PortalFailure } from '../portal/portal-failure';
import { SessionValidator, type SessionVerdict } from '../portal/session-validator';
import type { FailMode } from '../resilience/fail-mode';
import { PortalBreaker } from '../resilience/portal-breaker';
import { SessionStore } from '../session/session-store.service';
import { SessionTerminator } from '../session/session-terminator';
import type { VpnSession } from '../session/vpn-session';
import { RevalidationMetrics } from './revalidation-metrics';
import { type RevalidationEndCause, type RevalidationOutcome, RevalidationRoundTally } from './revalidation-outcome';
import { StoppableWait } from './stoppable-wait';

const NO_REASON_GIVEN = '(no reason given)';

/** A session as a round remembers it until its turn. */
type ListedSession = Pick<VpnSession, 'sessionId' | 'username'>;

/**
 * Makes a revocation in the portal stick: every `revalidation.interval_seconds` it asks
 * AuthService.ValidateSession about each live session and ends the ones the portal no
 * longer wants (`valid: false` or `force_disconnect`).
 *
 * Pacing: a round takes the sessions listed at its start; session i of n gets its turn
 * at i * interval / n after the start, so the portal sees a steady trickle, not a burst
 * of every session at once. At most `max_concurrent` calls are out; a turn that finds
 * them all busy waits for one (later turns then catch up as slots free). The first round
 * starts one interval after boot: at boot the store is still being filled from ocserv,
 * and every session there was authorized at its login. The next round starts one interval
 * after the previous one started, or when it finishes if it ran longer: never two at once.
 *
 * When the portal cannot be asked (a PortalFailure, or the CheckPolicy breaker open, in
 * which case nothing is sent) `when_portal_unavailable[authorization.fail_mode]` decides:
 * keep the session or end it. Errors that are not the portal's (a bug) always keep it.
 * Ending goes through SessionTerminator, which also drops the user's cached decisions,
 * so the cookie reconnect that may follow asks the portal again.
 */
@Injectable()
export class SessionRevalidator implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(SessionRevalidator.name);
  private readonly settings: RevalidationConfig;
  private readonly intervalMs: number;
  private readonly failMode: FailMode;
  private readonly wait = new StoppableWait();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly validator: SessionValidator,
    private readonly terminator: SessionTerminator,
    private readonly breaker: PortalBreaker,
    private readonly metrics: RevalidationMetrics,
    private readonly clock: Clock,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.settings = config.get('revalidation', { infer: true });
    this.intervalMs = this.settings.interval_seconds * 1000;
    this.failMode = config.get('authorization', { infer: true }).fail_mode;
  }

  /** Resolves once the round loop has ended after a stop (at once if it never ran). */
  get stopped(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled || this.loop !== undefined || this.wait.stopped) return;
    this.logger.log({
      msg: 'session revalidation on',
      interval_seconds: this.settings.interval_seconds,
      max_concurrent: this.settings.max_concurrent,
      when_portal_unavailable: this.portalUnavailableAction(),
      fail_mode: this.failMode,
    });
    this.loop = this.runRounds();
  }

  /**
   * Stops here, not only at application shutdown: Nest destroys every module (the portal
   * client closes, failing the calls still out) before any shutdown hook runs, and those
   * failures must not read as a portal outage that ends sessions.
   */
  onModuleDestroy(): void {
    this.wait.stop();
  }

  onApplicationShutdown(): void {
    this.wait.stop();
  }

  private async runRounds(): Promise<void> {
    let nextRoundAtMs = this.clock.nowMs() + this.intervalMs;
    while (!this.wait.stopped) {
      await this.wait.delay(nextRoundAtMs - this.clock.nowMs());
      if (this.wait.stopped) return;
      const startedAtMs = this.clock.nowMs();
      try {
        await this.runRound(startedAtMs);
      } catch (error) {
        // Every turn catches its own failures; this is a bug, and the next round still runs.
        this.logger.error({ msg: 'revalidation round failed', error: describe(error) });
      }
      nextRoundAtMs = startedAtMs + this.intervalMs;
      if (!this.wait.stopped && this.clock.nowMs() > nextRoundAtMs) {
        this.logger.warn({
          msg: 'revalidation round took longer than revalidation.interval_seconds; the next one starts now',
          round_ms: this.clock.nowMs() - startedAtMs,
          interval_seconds: this.settings.interval_seconds,
        });
      }
    }
  }

  private async runRound(startedAtMs: number): Promise<void> {
    // Ids only: the store replaces a session (and copies its metadata) on every update, so
    // holding the listed objects for a whole interval would keep a second copy of them all.
    const sessions: ListedSession[] = this.store.list().map(({ sessionId, username }) => ({ sessionId, username }));
    const round = new RevalidationRoundTally(sessions.length);
    const inFlight = new Set<Promise<void>>();
    for (const [index, session] of sessions.entries()) {
      await this.wait.delay(startedAtMs + turnOffsetMs(index, sessions.length, this.intervalMs) - this.clock.nowMs());
      while (!this.wait.stopped && inFlight.size >= this.settings.max_concurrent) {
        await this.wait.anySettled(inFlight);
      }
      if (this.wait.stopped) return;
      const turn: Promise<void> = this.takeTurn(session, round).finally(() => inFlight.delete(turn));
      inFlight.add(turn);
    }
    // Not Promise.all: at shutdown the round ends now; the calls still out are ignored when they settle.
    while (!this.wait.stopped && inFlight.size > 0) {
      await this.wait.anySettled(inFlight);
    }
    if (this.wait.stopped) return;
    const durationMs = this.clock.nowMs() - startedAtMs;
    this.metrics.roundFinished(durationMs);
    const summary = {
      msg: 'revalidation round finished',
      sessions: round.sessions,
      ...round.outcomes,
      ended: round.sessionsEnded,
      duration_ms: durationMs,
    };
    if (round.eventful) this.logger.log(summary);
    else this.logger.debug(summary);
  }

  /** One session's turn; never rejects. */
  private async takeTurn(listed: ListedSession, round: RevalidationRoundTally): Promise<void> {
    const session = this.store.get(listed.sessionId);
    if (session === undefined || session.username !== listed.username) {
      this.count(round, 'skipped_ended');
      return;
    }
    if (this.breaker.state === 'open') {
      this.count(round, 'skipped_breaker_open');
      await this.portalUnavailable(session, round, 'the portal circuit breaker is open; ValidateSession not sent');
      return;
    }
    let verdict: SessionVerdict;
    try {
      verdict = await this.validator.validate(
        { username: session.username, sessionId: session.sessionId, clientIp: session.clientIp },
        this.settings.call_timeout_ms,
      );
    } catch (error) {
      if (this.wait.stopped) return; // the client closed under the call at shutdown: no answer from the portal
      this.count(round, 'failed');
      if (error instanceof PortalFailure) {
        await this.portalUnavailable(session, round, error.message);
      } else {
        this.logger.error({
          msg: 'session revalidation failed inside the agent; the session is kept',
          user: session.username,
          session_id: session.sessionId,
          error: describe(error),
        });
      }
      return;
    }
    if (this.wait.stopped) return;
    if (verdict.valid && !verdict.forceDisconnect) {
      this.count(round, 'valid');
      return;
    }
    this.count(round, 'invalid');
    await this.end(session, round, 'invalid', `portal ValidateSession: ${verdict.invalidReason || NO_REASON_GIVEN}`);
  }

  private async portalUnavailable(session: VpnSession, round: RevalidationRoundTally, why: string): Promise<void> {
    const action = this.portalUnavailableAction();
    if (!round.portalUnavailableLogged) {
      round.portalUnavailableLogged = true;
      this.logger.warn({
        msg: `portal unavailable at revalidation; sessions are ${action === 'keep' ? 'kept' : 'ended'}`,
        detail: why,
        setting: `revalidation.when_portal_unavailable.${this.failMode} = ${action}`,
      });
    }
    if (action === 'disconnect') {
      await this.end(
        session,
        round,
        'portal_unavailable',
        `portal unavailable at revalidation (revalidation.when_portal_unavailable.${this.failMode} = disconnect)`,
      );
    }
  }

  private async end(session: VpnSession, round: RevalidationRoundTally, cause: RevalidationEndCause, detail: string): Promise<void> {
    const who = { user: session.username, session_id: session.sessionId, detail };
    try {
      const ended = await this.terminator.end({
        sessionId: session.sessionId,
        username: session.username,
        reason: 'POLICY_VIOLATION',
        detail,
      });
      if (ended) {
        round.sessionsEnded += 1;
        this.metrics.sessionEnded(cause);
        this.logger.log({ msg: 'session ended by revalidation', ...who });
      } else {
        this.logger.log({ msg: 'session revalidation meant to end was already gone from ocserv', ...who });
      }
    } catch (error) {
      this.metrics.sessionEndFailed();
      this.logger.error({
        msg: 'revalidation could not end the session; it is tried again next round',
        ...who,
        error: describe(error),
      });
    }
  }

  private portalUnavailableAction(): 'keep' | 'disconnect' {
    return this.settings.when_portal_unavailable[this.failMode];
  }

  private count(round: RevalidationRoundTally, outcome: RevalidationOutcome): void {
    round.outcomes[outcome] += 1;
    this.metrics.validation(outcome);
  }
}

/** Session `index` of `count` is due this long after its round started: evenly over the interval. */
function turnOffsetMs(index: number, count: number, intervalMs: number): number {
  return Math.floor((index * intervalMs) / count);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
