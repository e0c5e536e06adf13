import type { ConnectDecision, ConnectNotice } from './vpn-notices';

/**
 * Decides whether a connection may proceed. The static implementation answers
 * from config; the portal-backed one (with breaker, cache and fail modes)
 * replaces it in the connection-authorization work without touching callers.
 */
export abstract class ConnectionAuthorizer {
  abstract decide(notice: ConnectNotice): Promise<ConnectDecision>;
}
