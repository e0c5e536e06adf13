import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { SessionEndIntent, SessionEndReport, SessionLifecycleListener, SessionStart } from '../session/session-lifecycle';
import type { VpnSession } from '../session/vpn-session';
import { disconnectFromReport, factsOf, mergeReport, withIntent, withOcservStopped } from './disconnect-facts';
import { isUndecided } from './disconnect-reason.mapper';
import { EventOutbox, type RecordOutcome } from './outbox/event-outbox';
import type { ConnectEventBody, SessionEventKind, UpdateEventBody } from './session-event';

/** An intent announced this long ago no longer explains an end (the disconnect it preceded failed or never came). */
const INTENT_TTL_MS = 60_000;
/** Bounds the intents and undecided ends held in memory during a disconnect storm; oldest go first. */
const MAX_TRACKED = 10_000;

export interface ProducerTiming {
  /** events.disconnect_settle_ms */
  readonly settleMs: number;
}

/** Resolves true when the ocserv that had the sessions still answers (OcservSessionSync.sameOcservAnswers). */
export type OcservProbe = () => Promise<boolean>;

/**
 * An end ocserv did not explain is held while ocserv is asked whether it is still there, at
 * most this long beyond the settle window. Measured on 1.1.6 stopped with SIGTERM: it reports
 * every end as "unknown" first, and `occtl show status` then takes ~1.3 s to fail while the
 * main process winds down; a live ocserv answers in milliseconds.
 */
const PROBE_MAX_WAIT_MS = 3_000;

/**
 * Session lifecycle -> events in the outbox: one ReportConnect per session start and one
 * ReportDisconnect per end, whichever paths reported them (the outbox's ledger decides what is
 * new, across restarts), usage updates on demand. Everything is persisted synchronously in the
 * caller's turn, so a connect is durable before the hook gets its answer. After each record,
 * `wake` tells the deliverer.
 */
@Injectable()
export class SessionEventProducer implements SessionLifecycleListener {
  private readonly logger = new Logger(SessionEventProducer.name);
  private readonly intents = new Map<string, { readonly intent: SessionEndIntent; readonly atMs: number }>();
  /** Ends persisted without a decisive reason, by session id: ocserv stopping may still explain them. */
  private readonly undecided = new Map<string, number>();
  private ocservGoneAtMs = Number.NEGATIVE_INFINITY;
  private recovered = false;
  private probing = false;
  private wake: () => void = () => undefined;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
    private readonly timing: ProducerTiming,
    private readonly sameOcservAnswers: OcservProbe = () => Promise.resolve(true),
    private readonly recordFailed: (kind: SessionEventKind) => void = () => undefined,
  ) {}

  onRecorded(wake: () => void): void {
    this.wake = wake;
  }

  started(start: SessionStart): void {
    const { session } = start;
    const body: ConnectEventBody = {
      kind: 'connect',
      username: session.username,
      sessionId: session.sessionId,
      groupname: start.groupname !== '' ? start.groupname : (session.metadata['group'] ?? ''),
      clientIp: session.clientIp,
      vpnIp: session.vpnIp,
      device: session.deviceId,
      connectedAtMs: session.connectedAtMs,
      metadata: { ...session.metadata, reported_by: start.source },
    };
    this.handle(this.record('connect', () => this.outbox.recordConnect(body, this.clock.nowMs())), body.sessionId);
  }

  ending(intent: SessionEndIntent): void {
    this.remember(this.intents, intent.sessionId, { intent, atMs: this.clock.nowMs() });
    // The end may already be persisted (ocserv was quicker than the caller's announcement).
    this.outbox.amendPendingDisconnect(intent.sessionId, (body) => (body.username === intent.username ? withIntent(body, intent) : body));
  }

  ended(report: SessionEndReport): void {
    const nowMs = this.clock.nowMs();
    const intent = this.intentFor(report.sessionId, report.username, nowMs);
    let body = disconnectFromReport(report, intent, undefined);
    if (nowMs - this.ocservGoneAtMs < this.timing.settleMs) body = withOcservStopped(body);
    const undecided = isUndecided(factsOf(body.metadata));
    const holdMs = this.timing.settleMs + (undecided ? PROBE_MAX_WAIT_MS : 0);
    const outcome = this.record('disconnect', () => this.outbox.recordDisconnect(body, nowMs, nowMs + holdMs));
    if (outcome.outcome === 'duplicate') {
      this.outbox.amendPendingDisconnect(report.sessionId, (pending) =>
        pending.username === report.username ? withIntent(mergeReport(pending, report), intent) : pending,
      );
      return;
    }
    if (outcome.outcome === 'stored' && undecided) {
      this.remember(this.undecided, report.sessionId, nowMs);
      this.probeOcserv();
    }
    this.handle(outcome, report.sessionId);
  }

  /**
   * ocserv went away (status offline or unreachable, or another instance answers): ends it
   * reported just before without a decisive reason ("unknown", measured on 1.1.6 at SIGTERM)
   * were the shutdown's, and so are those reported within the settle window after it.
   */
  ocservGone(detail: string): void {
    const nowMs = this.clock.nowMs();
    this.ocservGoneAtMs = nowMs;
    let amended = 0;
    for (const [sessionId, atMs] of this.undecided) {
      if (nowMs - atMs > this.timing.settleMs + PROBE_MAX_WAIT_MS) continue;
      if (this.outbox.amendPendingDisconnect(sessionId, withOcservStopped)) amended += 1;
    }
    if (amended > 0) this.logger.log({ msg: 'session ends attributed to ocserv stopping', sessions: amended, detail });
  }

  /**
   * The first reconciliation after start: sessions persisted as live that ocserv no longer has
   * ended while the agent was down (reason UNSPECIFIED: nobody saw why). Sessions ocserv has that
   * were never reported got their connect from the reconciliation itself (started()).
   */
  synced(live: readonly VpnSession[]): void {
    if (this.recovered) return;
    this.recovered = true;
    const inOcserv = new Set(live.map((session) => `${session.sessionId}\u0000${session.username}`));
    const nowMs = this.clock.nowMs();
    let ended = 0;
    for (const record of this.outbox.liveSessions()) {
      if (inOcserv.has(`${record.sessionId}\u0000${record.username}`)) continue;
      const report = { sessionId: record.sessionId, username: record.username, source: 'recovery' as const, atMs: nowMs };
      // When it ended is unknown (some time while the agent was down): no duration is made up.
      const body = disconnectFromReport(report, undefined, undefined);
      const ocservSession = record.connect.metadata['ocserv_session'];
      const withSession = {
        ...body,
        metadata: {
          ...body.metadata,
          ...(ocservSession === undefined ? {} : { ocserv_session: ocservSession }),
          disconnected_at: 'when the agent found it gone, at start; it ended earlier',
        },
      };
      // Sent at once: no other report of an end nobody saw will come.
      this.handle(this.record('disconnect', () => this.outbox.recordDisconnect(withSession, nowMs, nowMs)), record.sessionId);
      ended += 1;
    }
    if (ended > 0) this.logger.warn({ msg: 'sessions that ended while the agent was down reported (reason UNSPECIFIED)', sessions: ended });
  }

  /** One ReportSessionUpdate for a live session (the ledger ignores sessions it does not hold). */
  usage(session: VpnSession, nowMs: number): RecordOutcome {
    const body: UpdateEventBody = {
      kind: 'update',
      username: session.username,
      sessionId: session.sessionId,
      updateTimeMs: nowMs,
      stats: {
        durationSeconds: Math.max(0, Math.round((nowMs - session.connectedAtMs) / 1000)),
        bytesReceived: session.bytesIn,
        bytesSent: session.bytesOut,
      },
      status: 'ACTIVE',
      metadata: session.metadata['ocserv_session'] === undefined ? {} : { ocserv_session: session.metadata['ocserv_session'] },
    };
    const outcome = this.record('update', () => this.outbox.recordUpdate(body, nowMs));
    this.handle(outcome, session.sessionId);
    return outcome;
  }

  /**
   * One probe at a time: in a shutdown every session's end is unexplained, and one answer
   * covers them all. The answer (or PROBE_MAX_WAIT_MS without one) releases the ends it covers
   * at the end of their settle window: as SERVER_SHUTDOWN when ocserv went away.
   */
  private probeOcserv(): void {
    if (this.probing) return;
    this.probing = true;
    const askedAtMs = this.clock.nowMs();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), PROBE_MAX_WAIT_MS);
      timer.unref();
    });
    void Promise.race([this.sameOcservAnswers().catch(() => true), bound]).then((same) => {
      clearTimeout(timer);
      if (!same) this.ocservGone('ocserv did not answer (or another instance did) right after sessions ended unexplained');
      this.release(askedAtMs);
      this.probing = false;
      // Ends recorded while the probe ran are not covered by its answer.
      if (this.undecided.size > 0) this.probeOcserv();
    });
  }

  /** Ends recorded up to `askedAtMs` go out at the end of their settle window. */
  private release(askedAtMs: number): void {
    const nowMs = this.clock.nowMs();
    for (const [sessionId, atMs] of this.undecided) {
      if (atMs > askedAtMs) continue;
      this.undecided.delete(sessionId);
      this.outbox.amendPendingDisconnect(sessionId, (body) => body, Math.max(nowMs, atMs + this.timing.settleMs));
    }
    this.wake();
  }

  /**
   * A write the outbox could not make (SQLITE_FULL on a full disk, an I/O error) is counted
   * and logged, never the caller's failure: a login is not refused because its report could
   * not be kept. What is lost that way, recovery at the next start finds if ocserv still has it.
   */
  private record(kind: SessionEventKind, write: () => RecordOutcome): RecordOutcome {
    try {
      return write();
    } catch (error) {
      this.recordFailed(kind);
      this.logger.error({ msg: 'session event not written to the outbox', kind, error: String(error) });
      return { outcome: 'dropped', reason: `outbox write failed: ${String(error)}` };
    }
  }

  private handle(outcome: RecordOutcome, sessionId: string): void {
    if (outcome.outcome === 'stored') this.wake();
    else if (outcome.outcome === 'dropped') this.logger.debug({ msg: 'session event dropped', session: sessionId, reason: outcome.reason });
  }

  private intentFor(sessionId: string, username: string, nowMs: number): SessionEndIntent | undefined {
    const held = this.intents.get(sessionId);
    if (held === undefined) return undefined;
    this.intents.delete(sessionId);
    if (nowMs - held.atMs > INTENT_TTL_MS || held.intent.username !== username) return undefined;
    return held.intent;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_TRACKED) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
