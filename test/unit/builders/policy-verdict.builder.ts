import type { CheckPolicyResponse } from '../../../src/generated/vpn/v1/auth';
import type { PolicyQuery, PolicyVerdict } from '../../../src/portal/policy-checker';

/** The question the agent asks the portal about alice's connection. */
export function aPolicyQuery(overrides: Partial<PolicyQuery> = {}): PolicyQuery {
  return {
    username: 'alice',
    groupname: 'staff',
    clientIp: '198.51.100.7',
    vpnIp: '10.10.0.2',
    sessionId: 'sess-alice-1',
    device: 'vpns0',
    ...overrides,
  };
}

/** A validated portal "allowed" answer; override only what the test is about. */
export function anAllowVerdict(overrides: Partial<PolicyVerdict> = {}): PolicyVerdict {
  return {
    allowed: true,
    denyReason: '',
    routes: ['10.10.0.0/16'],
    dnsServers: ['10.10.0.53'],
    shouldDisconnect: false,
    metadata: {},
    ...overrides,
  };
}

/** A validated portal "denied" answer, shaped as the wire mapper produces it. */
export function aDenyVerdict(denyReason = 'account suspended', overrides: Partial<PolicyVerdict> = {}): PolicyVerdict {
  return { allowed: false, denyReason, routes: [], dnsServers: [], shouldDisconnect: false, metadata: {}, ...overrides };
}

/** The portal telling the agent to cut the user off (the mapper turns it into a deny). */
export function aDisconnectVerdict(denyReason = 'account disabled'): PolicyVerdict {
  return aDenyVerdict(denyReason, { shouldDisconnect: true });
}

/** A well-formed CheckPolicy answer as it arrives on the wire. */
export function aCheckPolicyResponse(overrides: Partial<CheckPolicyResponse> = {}): CheckPolicyResponse {
  return {
    allowed: true,
    deny_reason: '',
    routes: ['10.10.0.0/16', '2001:db8::/32'],
    dns_servers: ['10.10.0.53', '2001:db8::53'],
    should_disconnect: false,
    metadata: { profile: 'staff' },
    ...overrides,
  };
}
