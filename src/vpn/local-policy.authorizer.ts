import type { Policy } from '../policy/policy';
import { evaluatePolicy } from '../policy/policy.evaluator';
import { ConnectionAuthorizer } from './connection-authorizer';
import type { ConnectDecision, ConnectNotice } from './vpn-notices';

/**
 * authorization.mode "local": sites without a portal decide from a policy file
 * on this host (users and groups -> allow/deny, routes, DNS; docs/portal-simulator.md
 * describes the format, which the portal simulator shares). No network, no cache.
 */
export class LocalPolicyAuthorizer extends ConnectionAuthorizer {
  constructor(private readonly policy: Policy) {
    super();
  }

  decide(notice: ConnectNotice): Promise<ConnectDecision> {
    const decision = evaluatePolicy(this.policy, { username: notice.username, groupname: notice.groupname, device: notice.deviceId });
    return Promise.resolve({
      allowed: decision.allowed,
      source: 'local',
      shouldDisconnect: false,
      denyReason: decision.denyReason,
      routes: decision.routes,
      dnsServers: decision.dnsServers,
      configParams: { policy_match: decision.matched },
    });
  }
}
