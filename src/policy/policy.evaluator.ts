import type { Policy, PolicyRule } from './policy';

export interface PolicySubject {
  readonly username: string;
  /** ocserv's group for the connection; empty when it has none. */
  readonly groupname: string;
  /** The connection's device (CheckPolicy device, hook DEVICE); empty or absent when not known. */
  readonly device?: string;
}

/** Which part of the policy decided. */
export type PolicyMatch = 'device' | 'user' | 'group' | 'default';

export interface PolicyDecision {
  readonly allowed: boolean;
  /** Empty when allowed. */
  readonly denyReason: string;
  /** Empty when denied: a refusal never hands out routes or DNS. */
  readonly routes: readonly string[];
  readonly dnsServers: readonly string[];
  readonly matched: PolicyMatch;
}

const NOTHING: readonly string[] = Object.freeze([]);

/**
 * The device's entry wins (a blocked device stays blocked whoever uses it); else the
 * user's own entry; else the entry of the group ocserv put them in; else `default`.
 * Names match exactly (ocserv user and group names are case-sensitive).
 */
export function evaluatePolicy(policy: Policy, subject: PolicySubject): PolicyDecision {
  const deviceRule = subject.device ? policy.devices.get(subject.device) : undefined;
  if (deviceRule !== undefined) {
    return decide(deviceRule, 'device');
  }
  const userRule = policy.users.get(subject.username);
  if (userRule !== undefined) {
    return decide(userRule, 'user');
  }
  const groupRule = subject.groupname === '' ? undefined : policy.groups.get(subject.groupname);
  if (groupRule !== undefined) {
    return decide(groupRule, 'group');
  }
  return decide(policy.defaultRule, 'default');
}

function decide(rule: PolicyRule, matched: PolicyMatch): PolicyDecision {
  return rule.allow
    ? { allowed: true, denyReason: '', routes: rule.routes, dnsServers: rule.dnsServers, matched }
    : { allowed: false, denyReason: rule.denyReason, routes: NOTHING, dnsServers: NOTHING, matched };
}
