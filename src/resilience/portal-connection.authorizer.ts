import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import type { PolicyQuery, PolicyVerdict } from '../portal/policy-checker';
import { PortalFailure, PortalFailureKind } from '../portal/portal-failure';
import { Clock } from '../clock/clock';
import { ConnectionAuthorizer } from '../vpn/connection-authorizer';
import type { ConnectDecision, ConnectNotice, DecisionDeadline } from '../vpn/vpn-notices';
import { DecisionCache } from './decision-cache';
import { decisionFromVerdict } from './decision-from-verdict';
import { decisionKey, type DecisionSubject } from './decision-key';
import { failModeDecision, type FailMode, type PortalOutage } from './fail-mode';
import { PortalBreaker } from './portal-breaker';
import { PortalCallQueue, queuedCallBytes } from './portal-call-queue';
import { ResilienceMetrics } from './resilience-metrics';

/** Kept from the hook's budget for the answer to travel back and the hook to exit. */
export const HOOK_MARGIN_MS = 250;
/** Portal metadata value that keeps a verdict out of the cache. */
const NO_STORE = 'no-store';

/**
 * authorization.mode "portal", the path every VPN login takes:
 *  1. a fresh cached decision answers without the portal;
 *  2. else CheckPolicy through the agent's call queue and the breaker, one call shared
 *     by concurrent identical requests, bounded by the decision budget (the queue wait
 *     included: the call's own timeout starts when it is sent);
 *  3. else the fail mode decides (a stale entry only here, never while the portal answers).
 * Never rejects.
 */
@Injectable()
export class PortalConnectionAuthorizer extends ConnectionAuthorizer {
  private readonly inFlight = new Map<string, InFlightCheck>();
  private readonly failMode: FailMode;
  private readonly decisionTimeoutMs: number;

  constructor(
    private readonly cache: DecisionCache,
    private readonly breaker: PortalBreaker,
    private readonly queue: PortalCallQueue,
    private readonly metrics: ResilienceMetrics,
    config: ConfigService<AgentConfig, true>,
    private readonly clock: Clock,
  ) {
    super();
    const authorization = config.get('authorization', { infer: true });
    this.failMode = authorization.fail_mode;
    this.decisionTimeoutMs = authorization.decision_timeout_ms;
  }

  async decide(notice: ConnectNotice, deadline: DecisionDeadline = {}): Promise<ConnectDecision> {
    const subject: DecisionSubject = {
      username: notice.username,
      groupname: notice.groupname,
      clientIp: notice.clientIp,
      device: notice.deviceId,
    };
    const fresh = await this.cache.getFresh(subject);
    if (fresh !== undefined) {
      return decisionFromVerdict(fresh, 'cache');
    }
    const budgetMs = this.budgetMs(deadline);
    try {
      const verdict = await withinBudget(this.askPortal(subject, notice, this.clock.nowMs() + budgetMs), budgetMs);
      return decisionFromVerdict(verdict, 'portal');
    } catch (error) {
      if (error instanceof BudgetExpired) this.metrics.portalCall('over_budget');
      const stale = this.failMode === 'stale' ? await this.cache.getStale(subject) : undefined;
      return failModeDecision(this.failMode, portalOutage(error), stale);
    }
  }

  /**
   * The caller's own budget (the hook sends its timeout_ms), less the margin for the way back;
   * decision_timeout_ms only for a caller that does not say. Not capped by decision_timeout_ms:
   * in a storm the wait in the agent's queue is ours, not the portal's, and denying a user the
   * hook would still have waited for turns a busy moment into lockouts (issue 14). A slow or
   * dead portal is still bounded by portal.call_timeout_ms per call, counted from when it is sent.
   */
  private budgetMs(deadline: DecisionDeadline): number {
    if (deadline.budgetMs === undefined) return this.decisionTimeoutMs;
    return Math.max(1, deadline.budgetMs - HOOK_MARGIN_MS);
  }

  /**
   * One CheckPolicy per subject at a time; its answer is cached once, whoever asked.
   * A call the user was invalidated after (DisconnectUser meanwhile) is not joined:
   * its answer may predate the change, so a new question goes out.
   */
  private askPortal(subject: DecisionSubject, notice: ConnectNotice, deadlineMs: number): Promise<PolicyVerdict> {
    const key = decisionKey(subject);
    const pending = this.inFlight.get(key);
    if (pending !== undefined && !this.cache.invalidatedSince(subject.username, pending.askedAt)) return pending.call;
    const askedAt = this.cache.writePosition();
    const query = toPolicyQuery(notice);
    // A joiner below shares this call and so its queue deadline, the first asker's (they arrive within ms).
    const call = this.queue
      .run(() => this.breaker.check(query), { deadlineMs, bytes: queuedCallBytes(query) })
      .then(async (verdict) => {
        await this.remember(subject, verdict, askedAt);
        return verdict;
      })
      .finally(() => {
        if (this.inFlight.get(key)?.call === call) this.inFlight.delete(key);
      });
    this.inFlight.set(key, { call, askedAt });
    return call;
  }

  private async remember(subject: DecisionSubject, verdict: PolicyVerdict, askedAt: number): Promise<void> {
    if (verdict.shouldDisconnect) {
      // The portal wants this user gone: nothing cached about them may answer for it later.
      this.cache.invalidateUser(subject.username);
      return;
    }
    if (verdict.metadata['cache'] === NO_STORE) return;
    // Not stored when the user was invalidated while the question was out: the answer may predate the change.
    await this.cache.put(subject, verdict, askedAt);
  }
}

function toPolicyQuery(notice: ConnectNotice): PolicyQuery {
  return {
    username: notice.username,
    groupname: notice.groupname,
    clientIp: notice.clientIp,
    vpnIp: notice.vpnIp,
    sessionId: notice.sessionId,
    device: notice.deviceId,
  };
}

/** Resolves or rejects like `work`, or rejects after `budgetMs`; `work` itself goes on (its answer is still cached). */
function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExpired(budgetMs)), budgetMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

interface InFlightCheck {
  readonly call: Promise<PolicyVerdict>;
  /** DecisionCache.writePosition() when the question went out. */
  readonly askedAt: number;
}

/** The short reason callers see, the detail for the log; anything unexpected is only "failed". */
function portalOutage(error: unknown): PortalOutage {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof PortalFailure) return { reason: error.kind, detail };
  if (error instanceof BudgetExpired) return { reason: PortalFailureKind.TimedOut, detail };
  return { reason: PortalFailureKind.Failed, detail };
}

class BudgetExpired extends Error {
  constructor(budgetMs: number) {
    super(`no portal answer within the ${budgetMs} ms decision budget`);
  }
}
