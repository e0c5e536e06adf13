import { Injectable, Logger } from '@nestjs/common';
import { AgentError } from '../errors/agent-error';
import type { OcctlUser } from '../occtl/occtl-records';
import { OcctlService } from '../occtl/occtl.service';
import { sessionIdOf } from '../session/ocserv-session.mapper';
import { DecisionCache } from '../resilience/decision-cache';
import { OcservSessionSync } from '../session/ocserv-session-sync.service';
import { SessionLifecycle } from '../session/session-lifecycle';
import { type SessionEndOrder, SessionTerminator } from '../session/session-terminator';
import type { UserDisconnectOrder, UserDisconnectOutcome } from './vpn-notices';
import { clipText } from '../validation/clip-text';

/** An end's detail goes into event metadata, cut here (the store's per-value limit is far above; the portal needs no essay). */
const MAX_INTENT_DETAIL_LENGTH = 256;

/**
 * DisconnectUser against the live ocserv, not the store: the sessions are looked
 * up with `show user`, then each is ended with `disconnect id`, so the count is
 * what ocserv actually did. occtl `disconnect` leaves the client's cookie valid:
 * openconnect reconnects within seconds as a new session (docs/operations.md),
 * so the user's cached decisions are dropped first: that reconnect asks the portal.
 */
@Injectable()
export class UserDisconnector extends SessionTerminator {
  private readonly logger = new Logger(UserDisconnector.name);

  constructor(
    private readonly occtl: OcctlService,
    private readonly sync: OcservSessionSync,
    private readonly decisions: DecisionCache,
    private readonly lifecycle: SessionLifecycle,
  ) {
    super();
  }

  async disconnect(order: UserDisconnectOrder): Promise<UserDisconnectOutcome> {
    this.decisions.invalidateUser(order.username);
    const sessions = (await this.occtl.showUser(order.username)).filter((user) => user.username === order.username);
    if (sessions.length === 0) {
      throw AgentError.notFound(`user ${order.username} has no session on this ocserv`);
    }
    const targets = order.allSessions ? sessions : [newest(sessions)];
    for (const user of targets) {
      this.lifecycle.ending({ sessionId: sessionIdOf(user.id), username: user.username, reason: 'ADMIN_FORCED', detail: clipText(`DisconnectUser: ${order.reason}`, MAX_INTENT_DETAIL_LENGTH) });
    }
    const results = await Promise.all(targets.map(async (user) => ({ user, result: await this.occtl.disconnectId(user.id) })));
    const failures: string[] = [];
    let disconnected = 0;
    for (const { user, result } of results) {
      if (result.ok) {
        disconnected += 1;
        this.sync.forget(sessionIdOf(user.id));
      } else {
        failures.push(`session ${user.id}: ${result.message}`);
      }
    }
    this.logger.log({ msg: 'user disconnected', user: order.username, reason: order.reason, sessions: disconnected, failures });
    return { sessionsDisconnected: disconnected, failures };
  }

  /**
   * SessionTerminator: one session, ended by the agent itself (revalidation, a portal answer).
   * The user's cached decisions go first, so the cookie reconnect that follows asks the portal.
   */
  async end(order: SessionEndOrder): Promise<boolean> {
    this.decisions.invalidateUser(order.username);
    if (!/^\d{1,10}$/.test(order.sessionId)) return false;
    const id = Number(order.sessionId);
    const current = await this.occtl.showId(id);
    if (current === undefined || current.username !== order.username) return false;
    this.lifecycle.ending({ sessionId: order.sessionId, username: order.username, reason: order.reason, detail: clipText(order.detail, MAX_INTENT_DETAIL_LENGTH) });
    const result = await this.occtl.disconnectId(id);
    if (!result.ok) {
      this.logger.warn({ msg: 'session not ended', session: order.sessionId, user: order.username, reason: order.reason, error: result.message });
      return false;
    }
    this.sync.forget(order.sessionId);
    this.logger.log({ msg: 'session ended', session: order.sessionId, user: order.username, reason: order.reason, detail: order.detail });
    return true;
  }
}

/** The latest connect time wins; worker ids (pids) break ties, higher being later in practice. */
function newest(sessions: readonly OcctlUser[]): OcctlUser {
  return sessions.reduce((best, user) => {
    const bestAt = best.connectedAtMs ?? 0;
    const userAt = user.connectedAtMs ?? 0;
    return userAt > bestAt || (userAt === bestAt && user.id > best.id) ? user : best;
  });
}
