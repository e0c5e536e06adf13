import type { PolicyVerdict } from '../portal/policy-checker';
import type { ConnectDecision, DecisionSource } from '../vpn/vpn-notices';

/** A portal verdict (live, cached or stale) as the connection decision callers see. */
export function decisionFromVerdict(verdict: PolicyVerdict, source: DecisionSource): ConnectDecision {
  return {
    allowed: verdict.allowed,
    source,
    shouldDisconnect: verdict.shouldDisconnect,
    denyReason: verdict.denyReason,
    routes: verdict.routes,
    dnsServers: verdict.dnsServers,
    configParams: verdict.metadata,
  };
}
