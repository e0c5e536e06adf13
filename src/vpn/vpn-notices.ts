/** A connection ocserv is about to accept (or has accepted), already validated. */
export interface ConnectNotice {
  readonly username: string;
  /** ocserv's group for the user; empty when ocserv has none (or the caller did not say). */
  readonly groupname: string;
  readonly clientIp: string;
  readonly vpnIp: string;
  readonly sessionId: string;
  readonly deviceId: string;
  /** When the client connected; undefined means "now". */
  readonly connectedAtMs: number | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Where a decision came from; every decision log line carries it.
 * portal: CheckPolicy answered; cache: a fresh cached portal answer; stale: a cached answer
 * past its fresh TTL, used because the portal failed (fail_mode stale); fail-open / fail-close:
 * the portal failed and the fail mode decided; local: the policy file; static: the config.
 */
export type DecisionSource = 'portal' | 'cache' | 'stale' | 'fail-open' | 'fail-close' | 'local' | 'static';

export interface ConnectDecision {
  readonly allowed: boolean;
  readonly source: DecisionSource;
  readonly shouldDisconnect: boolean;
  /** Empty when allowed. */
  readonly denyReason: string;
  readonly routes: readonly string[];
  readonly dnsServers: readonly string[];
  readonly configParams: Readonly<Record<string, string>>;
  /** Why the portal could not decide, when a fail mode (or a stale entry) did. */
  readonly portalFailure?: string;
}

export interface DisconnectNotice {
  readonly username: string;
  readonly sessionId: string;
  readonly reason: string;
  /** The session's counters as the reporter gave them (the disconnect-script's STATS_*); undefined when not given. */
  readonly stats?: DisconnectStats;
}

export interface DisconnectStats {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationSeconds: number | undefined;
}

/** ocserv learned the client's hostname after connect (host-update-script). */
export interface HostUpdateNotice {
  readonly username: string;
  readonly sessionId: string;
  readonly hostname: string;
}

/** How long the caller can wait for a decision (the hook's budget), when it says. */
export interface DecisionDeadline {
  readonly budgetMs?: number;
}

export interface DisconnectAck {
  readonly acknowledged: boolean;
  readonly message: string;
}

export interface SessionQuery {
  /** Empty string: every user. */
  readonly username: string;
  readonly includeStats: boolean;
}

/** DisconnectUser, validated. */
export interface UserDisconnectOrder {
  readonly username: string;
  readonly reason: string;
  /** false: only the newest session goes. */
  readonly allSessions: boolean;
}

export interface UserDisconnectOutcome {
  readonly sessionsDisconnected: number;
  /** Sessions ocserv refused to disconnect (already gone in between, ...), with what occtl said. */
  readonly failures: readonly string[];
}
