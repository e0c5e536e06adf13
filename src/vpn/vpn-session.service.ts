import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { AgentError } from '../errors/agent-error';
import { ConnectsInFlight } from '../session/connects-in-flight';
import { OcservSessionSync } from '../session/ocserv-session-sync.service';
import { SessionLifecycle } from '../session/session-lifecycle';
import { SessionStore } from '../session/session-store.service';
import type { VpnSession } from '../session/vpn-session';
import { ConnectionAuthorizer } from './connection-authorizer';
import { DecisionMetrics } from './decision-metrics';
import { PortalRoutesWriter } from './portal-routes.writer';
import type {
  ConnectDecision,
  ConnectNotice,
  DecisionDeadline,
  DisconnectAck,
  DisconnectNotice,
  HostUpdateNotice,
  SessionQuery,
} from './vpn-notices';

/** A connect time this far ahead of our clock is a bug or a forgery, not clock skew. */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Session lifecycle as the portal and ocserv report it: decide, record, forget, list. */
@Injectable()
export class VpnSessionService {
  private readonly logger = new Logger(VpnSessionService.name);

  constructor(
    private readonly store: SessionStore,
    private readonly sync: OcservSessionSync,
    private readonly authorizer: ConnectionAuthorizer,
    private readonly clock: Clock,
    private readonly metrics: DecisionMetrics,
    private readonly connects: ConnectsInFlight,
    private readonly portalRoutes: PortalRoutesWriter,
    private readonly lifecycle: SessionLifecycle,
  ) {}

  /**
   * Decides the connection and, when allowed, records the session (idempotent per session id).
   * The caller chose the metadata (NotifyConnect): over the store's byte budget it is refused
   * before anything is decided or stored.
   */
  async connect(notice: ConnectNotice, deadline: DecisionDeadline = {}): Promise<ConnectDecision> {
    this.assertConnectTime(notice);
    this.store.assertRoomForMetadata(notice.sessionId, notice.metadata);
    return this.decideAndRecord(notice, deadline, 'notify', (metadata) => metadata);
  }

  /**
   * connect() for a connection ocserv reports (the connect-script hook): its metadata is what
   * the client and ocserv said, informational, so it is cut to the store's budget, never a
   * reason to refuse the login.
   */
  async connectFromOcserv(notice: ConnectNotice, deadline: DecisionDeadline = {}): Promise<ConnectDecision> {
    this.assertConnectTime(notice);
    return this.decideAndRecord(notice, deadline, 'hook', (metadata) => this.store.fitMetadata(notice.sessionId, metadata));
  }

  private assertConnectTime(notice: ConnectNotice): void {
    if (notice.connectedAtMs !== undefined && notice.connectedAtMs > this.clock.nowMs() + MAX_FUTURE_SKEW_MS) {
      throw AgentError.invalidArgument('connect_time is more than 5 minutes in the future');
    }
  }

  private decideAndRecord(
    notice: ConnectNotice,
    deadline: DecisionDeadline,
    source: 'hook' | 'notify',
    storable: (metadata: Readonly<Record<string, string>>) => Readonly<Record<string, string>>,
  ): Promise<ConnectDecision> {
    // Tracked until the session is recorded: the session sync waits for it rather than asking occtl.
    return this.connects.track(notice.sessionId, notice.username, () => this.decideAndStore(notice, deadline, source, storable));
  }

  private async decideAndStore(
    notice: ConnectNotice,
    deadline: DecisionDeadline,
    source: 'hook' | 'notify',
    storable: (metadata: Readonly<Record<string, string>>) => Readonly<Record<string, string>>,
  ): Promise<ConnectDecision> {
    const nowMs = this.clock.nowMs();
    const started = performance.now();
    const decision = await this.authorizer.decide(notice, deadline);
    const durationMs = performance.now() - started;
    this.metrics.decided(decision.source, decision.allowed, durationMs / 1000);
    if (decision.allowed) {
      // upsert: a repeated notice (a retry) keeps the first connect time and the counters.
      const session = this.store.upsert({
        sessionId: notice.sessionId,
        username: notice.username,
        clientIp: notice.clientIp,
        vpnIp: notice.vpnIp,
        deviceId: notice.deviceId,
        connectedAtMs: notice.connectedAtMs ?? nowMs,
        bytesIn: 0,
        bytesOut: 0,
        metadata: storable(notice.metadata),
      });
      // Persists the ReportConnect (events on) before the caller gets the decision; a repeat is the ledger's to drop.
      this.lifecycle.started({ session, groupname: notice.groupname, source });
      void this.portalRoutes.record(notice.username, decision);
    }
    this.logger.log({
      msg: 'connection decided',
      user: notice.username,
      session: notice.sessionId,
      group: notice.groupname,
      client_ip: notice.clientIp,
      allowed: decision.allowed,
      source: decision.source,
      duration_ms: Math.round(durationMs * 100) / 100,
      ...(decision.allowed ? {} : { deny_reason: decision.denyReason }),
      ...(decision.portalFailure === undefined ? {} : { portal_failure: decision.portalFailure }),
    });
    return decision;
  }

  /**
   * Forgets the session and reports its end. Unknown sessions are acknowledged: ocserv may
   * report ends the agent never saw, or the event stream's report of this end removed it first
   * (the end is still reported: its counters complete that report).
   */
  disconnect(notice: DisconnectNotice, source: 'hook' | 'notify' = 'notify'): DisconnectAck {
    const session = this.store.get(notice.sessionId);
    if (session === undefined) {
      this.reportEnd(notice, source, undefined);
      return { acknowledged: true, message: `session ${notice.sessionId} was not tracked; nothing to remove` };
    }
    if (session.username !== notice.username) {
      throw AgentError.failedPrecondition(
        `session ${notice.sessionId} belongs to another user than ${JSON.stringify(notice.username)}; nothing removed`,
      );
    }
    this.store.remove(notice.sessionId);
    this.reportEnd(notice, source, session);
    return { acknowledged: true, message: `session ${notice.sessionId} removed` };
  }

  private reportEnd(notice: DisconnectNotice, source: 'hook' | 'notify', lastKnown: VpnSession | undefined): void {
    const stats = notice.stats;
    this.lifecycle.ended({
      sessionId: notice.sessionId,
      username: notice.username,
      source,
      atMs: this.clock.nowMs(),
      ...(lastKnown === undefined ? {} : { lastKnown }),
      ...(stats === undefined ? {} : { bytesIn: stats.bytesIn, bytesOut: stats.bytesOut }),
      ...(stats?.durationSeconds === undefined ? {} : { durationSeconds: stats.durationSeconds }),
      ...(source === 'notify' && notice.reason !== '' ? { callerReason: notice.reason } : {}),
    });
  }

  /** Records the hostname ocserv learned for a tracked session; unknown sessions are acknowledged. */
  hostUpdate(notice: HostUpdateNotice): DisconnectAck {
    const session = this.store.get(notice.sessionId);
    if (session === undefined || session.username !== notice.username) {
      return { acknowledged: true, message: `session ${notice.sessionId} is not tracked for ${notice.username}; nothing updated` };
    }
    const metadata = this.store.fitMetadata(notice.sessionId, { ...session.metadata, hostname: notice.hostname });
    this.store.update(notice.sessionId, { metadata });
    return { acknowledged: true, message: `session ${notice.sessionId} hostname updated` };
  }

  /** The sessions ocserv has (the reconciled store); UNAVAILABLE while ocserv cannot be asked. */
  async activeSessions(query: SessionQuery): Promise<VpnSession[]> {
    await this.sync.whenCurrent();
    return query.username === '' ? this.store.list() : this.store.listByUsername(query.username);
  }
}
