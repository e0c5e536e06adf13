/*
 * What occtl reports, as typed domain values. The parsers in ./parsing turn
 * occtl's imperfect JSON and text into these; nothing else reads occtl output.
 * Times are epoch milliseconds; `undefined` means occtl did not say (or said
 * something unreadable). Counters are bytes.
 */

/** One connected VPN session (a worker): `show users`, `show user NAME`, `show id ID`. */
export interface OcctlUser {
  /** The worker's id (its PID): what `disconnect id` and the connect-script's ID name. */
  readonly id: number;
  readonly username: string;
  /** Empty when occtl prints "(none)". */
  readonly groupname: string;
  /** "connected", "pre-auth", ... as occtl prints it. */
  readonly state: string;
  readonly vhost: string;
  /** Server-side tunnel device, e.g. vpns0. */
  readonly device: string;
  readonly mtu: number | undefined;
  /** The client's public address ("Remote IP"). */
  readonly remoteIp: string;
  readonly localDeviceIp: string;
  /** Address given to the client inside the tunnel; empty when none. */
  readonly ipv4: string;
  readonly ptpIpv4: string;
  readonly ipv6: string;
  readonly ptpIpv6: string;
  readonly userAgent: string;
  readonly hostname: string;
  readonly rxBytes: number;
  readonly txBytes: number;
  /** Best estimate of the connect time (occtl 1.1.6 prints minutes only; see parsing). */
  readonly connectedAtMs: number | undefined;
  /** The short session id ("Session"), as `show session SID` takes it. */
  readonly session: string;
  readonly fullSession: string;
  readonly tlsCiphersuite: string;
  readonly dtlsCipher: string;
  readonly dns: readonly string[];
  readonly nbns: readonly string[];
  readonly splitDnsDomains: readonly string[];
  readonly routes: readonly string[];
  readonly noRoutes: readonly string[];
  readonly iroutes: readonly string[];
  readonly restrictedToRoutes: boolean;
  readonly restrictedToPorts: readonly string[];
}

/** `show status`. */
export interface OcctlStatus {
  /** "online" when ocserv is serving. */
  readonly status: string;
  readonly serverPid: number | undefined;
  readonly secModPid: number | undefined;
  /** Changes when ocserv restarts: the agent uses it with serverPid to notice restarts. */
  readonly upSinceMs: number | undefined;
  readonly activeSessions: number;
  readonly totalSessions: number;
  readonly ipsInBanList: number;
  readonly totalAuthenticationFailures: number;
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** `show ip bans` and `show ip ban points`. */
export interface OcctlBan {
  readonly ip: string;
  readonly score: number;
  /** Only in `show ip bans`. */
  readonly sinceMs: number | undefined;
}

/** `show iroutes`: routes a user's client announced. */
export interface OcctlIroute {
  readonly id: number;
  readonly username: string;
  readonly vhost: string;
  readonly device: string;
  readonly ip: string;
  readonly iroutes: readonly string[];
}

/** `show sessions all|valid` and `show session SID`: cookie sessions, connected or not. */
export interface OcctlCookieSession {
  readonly session: string;
  readonly fullSession: string;
  readonly createdAtMs: number | undefined;
  readonly state: string;
  readonly username: string;
  readonly groupname: string;
  readonly vhost: string;
  readonly userAgent: string;
  readonly remoteIp: string;
  readonly location: string;
  readonly sessionIsOpen: boolean;
  readonly tlsAuthOk: boolean;
  readonly inUse: boolean;
}

/** One line of `occtl show events` (text mode). */
export interface OcctlEvent {
  readonly kind: 'connect' | 'disconnect' | 'update';
  readonly vhost: string;
  readonly username: string;
  readonly id: number;
  readonly remoteIp: string;
  readonly vpnIp: string;
  /** Disconnects only: ocserv's reason text ("server disconnected", "user disconnected", ...). */
  readonly reason: string | undefined;
  /** Disconnects only: the session's duration as occtl printed it, in seconds. */
  readonly durationSeconds: number | undefined;
}
