import type { AuthorizationConfig } from '../config/agent-config.schema';
import type { PolicyVerdict } from '../portal/policy-checker';
import type { ConnectDecision } from '../vpn/vpn-notices';
import { decisionFromVerdict } from './decision-from-verdict';

export type FailMode = AuthorizationConfig['fail_mode'];

/** Why the portal gave no verdict: a short reason for callers, the detail for the agent's log. */
export interface PortalOutage {
  /** The agent's own words ("portal unreachable"); goes into deny reasons, so into ocserv's log. */
  readonly reason: string;
  /** What actually failed (grpc-js text, addresses); only the `connection decided` log line carries it. */
  readonly detail: string;
}

/**
 * The decision when the portal failed, timed out or the breaker is open.
 * open: allow (ocserv's own routes apply); close: deny; stale: the last portal
 * decision within the stale window, else deny. Pure: the caller looked up
 * `stale` (only for mode stale) and says why the portal failed.
 */
export function failModeDecision(mode: FailMode, outage: PortalOutage, stale: PolicyVerdict | undefined): ConnectDecision {
  const why = outage.detail;
  if (mode === 'open') {
    return {
      allowed: true,
      source: 'fail-open',
      shouldDisconnect: false,
      denyReason: '',
      routes: [],
      dnsServers: [],
      configParams: {},
      portalFailure: why,
    };
  }
  if (mode === 'stale' && stale !== undefined) {
    return { ...decisionFromVerdict(stale, 'stale'), portalFailure: why };
  }
  const denyReason =
    mode === 'stale' ? `${outage.reason}; fail mode stale, no decision within the stale window` : `${outage.reason}; fail mode close`;
  return {
    allowed: false,
    source: 'fail-close',
    shouldDisconnect: false,
    denyReason,
    routes: [],
    dnsServers: [],
    configParams: {},
    portalFailure: why,
  };
}
