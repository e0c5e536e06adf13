import type { PolicyDecision, PolicySubject } from '../policy/policy.evaluator';

/*
 * Domain answers to vpn.v1 response messages (proto field names: the loader keeps case).
 * Requests arrive as plain objects; these read them defensively, since a client may omit any field.
 */

export function policySubjectOf(request: Readonly<Record<string, unknown>>): PolicySubject {
  return { username: stringField(request, 'username'), groupname: stringField(request, 'groupname'), device: stringField(request, 'device') };
}

export function stringField(request: Readonly<Record<string, unknown>>, name: string): string {
  const value = request[name];
  return typeof value === 'string' ? value : '';
}

export function checkPolicyResponse(decision: PolicyDecision): Record<string, unknown> {
  return {
    allowed: decision.allowed,
    deny_reason: decision.denyReason,
    routes: [...decision.routes],
    dns_servers: [...decision.dnsServers],
    should_disconnect: false,
    metadata: {},
  };
}

export function validateSessionResponse(decision: PolicyDecision): Record<string, unknown> {
  return decision.allowed
    ? { valid: true, invalid_reason: '', force_disconnect: false }
    : { valid: false, invalid_reason: decision.denyReason, force_disconnect: true };
}

/** A user the policy denies is told to go, as ValidateSession would invalidate their session. */
export function sessionUpdateResponse(decision: PolicyDecision): Record<string, unknown> {
  return decision.allowed
    ? { success: true, should_disconnect: false, disconnect_reason: '' }
    : { success: true, should_disconnect: true, disconnect_reason: decision.denyReason };
}

export const EVENT_RESPONSES = {
  ReportConnect: { success: true, message: 'recorded', updated_routes: [] },
  ReportDisconnect: { success: true, message: 'recorded' },
} as const;
