import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { SessionEndIntent, SessionEndReport, SessionLifecycleListener, SessionStart } from '../session/session-lifecycle';
import type { VpnSession } from '../session/vpn-session';
import { disconnectFromReport, factsOf, mergeReport, withIntent, withOcservStopped } from './disconnect-facts';
import { isUndecided } from './disconnect-reason.mapper';
import { EventOutbox, type RecordOutcome } from './outbox/event-outbox';
import type { ConnectEventBody, UpdateEventBody } from './session-event';

/** An intent announced this long ago no longer explains an end (the disconnect it preceded failed or never came). */
const INTENT_TTL_MS = 60_000;
/** Bounds the intents and undecided ends held in memory during a disconnect storm; oldest go first. */
const MAX_TRACKED = 10_000;

export interface ProducerTiming {
  /** events.disconnect_settle_ms */
  readonly settleMs: number;
}

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
  private wake: () => void = () => undefined;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
    private readonly timing: ProducerTiming,
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
    this.handle(this.outbox.recordConnect(body, this.clock.nowMs()), body.sessionId);
  }

  ending(intent: SessionEndIntent): void {
    this.remember(this.intents, intent.sessionId, { intent, atMs: this.clock.nowMs() });
    // The end may already be persisted (ocserv was quicker than the caller's announcement).
    this.outbox.amendPendingDisconnect(intent.sessionId, (body) => (body.username === intent.username ? withIntent(body, intent) : body));
  }

  ended(report: SessionEndReport): void {
    const nowMs = this.clock.nowMs();
    const intent = this.intentFor(report.sessionId, report.username, nowMs);
    const live = this.liveConnectedAt(report);
    let body = disconnectFromReport(report, intent, live);
    if (nowMs - this.ocservGoneAtMs < this.timing.settleMs) body = withOcservStopped(body);
    const outcome = this.outbox.recordDisconnect(body, nowMs, nowMs + this.timing.settleMs);
    if (outcome.outcome === 'duplicate') {
      this.outbox.amendPendingDisconnect(report.sessionId, (pending) =>
        pending.username === report.username ? withIntent(mergeReport(pending, report), intent) : pending,
      );
      return;
    }
    if (outcome.outcome === 'stored' && isUndecided(factsOf(body.metadata))) this.remember(this.undecided, report.sessionId, nowMs);
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
      if (nowMs - atMs > this.timing.settleMs) continue;
      if (this.outbox.amendPendingDisconnect(sessionId, withOcservStopped)) amended += 1;
    }
    this.undecided.clear();
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
      this.handle(this.outbox.recordDisconnect(withSession, nowMs, nowMs), record.sessionId);
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
    const outcome = this.outbox.recordUpdate(body, nowMs);
    this.handle(outcome, session.sessionId);
    return outcome;
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

  /** The connect time the store lost track of: only needed when the report carries no session. */
  private liveConnectedAt(report: SessionEndReport): number | undefined {
    if (report.lastKnown !== undefined) return report.lastKnown.connectedAtMs;
    return undefined;
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
