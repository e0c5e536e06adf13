/** What the agent asks about one connection (AuthService.CheckPolicy, domain side). */
export interface PolicyQuery {
  readonly username: string;
  readonly groupname: string;
  readonly clientIp: string;
  readonly vpnIp: string;
  readonly sessionId: string;
  readonly device: string;
}

/** The portal's answer, validated. */
export interface PolicyVerdict {
  readonly allowed: boolean;
  readonly denyReason: string;
  readonly routes: readonly string[];
  readonly dnsServers: readonly string[];
  readonly shouldDisconnect: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Asks the portal. Rejects (with an AgentError UNAVAILABLE / DEADLINE_EXCEEDED)
 * when the portal fails, is unreachable or answers nonsense; the resilience
 * layer turns every rejection into a fail-mode decision.
 */
export abstract class PolicyChecker {
  abstract check(query: PolicyQuery, timeoutMs: number): Promise<PolicyVerdict>;
}
