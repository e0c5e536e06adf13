import type { ConnectDecision, ConnectNotice, DecisionDeadline } from './vpn-notices';

/**
 * Decides whether a connection may proceed. One implementation per
 * `authorization.mode` (static, local policy file, portal behind the breaker,
 * cache and fail mode); callers (NotifyConnect, the hook) never know which.
 * Never rejects: every failure becomes a decision with its source.
 */
export abstract class ConnectionAuthorizer {
  abstract decide(notice: ConnectNotice, deadline?: DecisionDeadline): Promise<ConnectDecision>;
}
