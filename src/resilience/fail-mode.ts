import type { AuthorizationConfig } from '../config/agent-config.schema';
import type { PolicyVerdict } from '../portal/policy-checker';
import type { ConnectDecision } from '../vpn/vpn-notices';
import { decisionFromVerdict } from './decision-from-verdict';

export type FailMode = AuthorizationConfig['fail_mode'];

/**
 * The decision when the portal failed, timed out or the breaker is open.
 * open: allow (ocserv's own routes apply); close: deny; stale: the last portal
 * decision within the stale window, else deny. Pure: the caller looked up
 * `stale` (only for mode stale) and says why the portal failed.
 */
export function failModeDecision(mode: FailMode, why: string, stale: PolicyVerdict | undefined): ConnectDecision {
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
    mode === 'stale'
      ? `portal unavailable (${why}) and no decision for this user within the stale window`
      : `portal unavailable (${why}); authorization.fail_mode is close`;
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
