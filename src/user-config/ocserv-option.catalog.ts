/*
 * Every option ocserv accepts in a config-per-user / config-per-group file, as its own
 * parser reads them (`group_cfg_ini_handler` in ocserv's src/sup-config/file.c). ocserv
 * skips a key it does not know with a log line, so writing an option an older or newer
 * version lacks is harmless; a value it cannot use is not: since 1.5.1 a malformed file
 * rejects the login, and in every version a route its sanity check refuses
 * (`ip_route_sanity_check`, src/ip-util.c) fails the session. docs/user-config-options.md
 * is the operator's copy of this table; keep the two in step.
 */

export type OptionKind =
  /** `true` / `false` (ocserv's READ_TF also takes yes/no, in any case: read as such, written canonical). */
  | 'boolean'
  /** A route: IPv4 network/prefix or network/netmask (written as /prefix), an IPv6 network, or `default` where allowed. */
  | 'route'
  | 'ip-address'
  | 'ipv4-address'
  | 'ipv6-address'
  /** An IPv4 address with an optional /prefix (ipv4-network: ocserv derives the netmask from it). */
  | 'ipv4-network'
  | 'ipv4-netmask'
  | 'ipv6-network'
  /** A DNS domain (split-dns) or host name. */
  | 'domain'
  | 'integer'
  /** net-priority: a priority 0-7 or a TOS byte as 0x.. */
  | 'net-priority'
  /** restrict-user-to-ports: `tcp(443), udp(53), icmp(), icmpv6()`, optionally negated as `!(...)`. */
  | 'port-rules'
  /** cgroup: `controller[,controller]:path`. */
  | 'cgroup'
  /** user-profile: an absolute path of the AnyConnect XML profile. */
  | 'path';

export interface OcservOptionSpec {
  /** The spelling the agent's model uses (ocserv's, for the versions the agent was built against). */
  readonly key: string;
  readonly kind: OptionKind;
  /** ocserv collects every line of this key (routes, DNS servers ...); otherwise the last line wins. */
  readonly repeatable: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Smallest value other than 0 that means what it says (rates: ocserv divides by 1000, so 1..999 would be "no limit"). */
  readonly nonZeroMin?: number;
  /** For kind route: whether `default` (all traffic) is accepted. */
  readonly allowsDefault?: boolean;
  /** Other spellings read as this key; `writtenAlso` ones are written next to it so every version finds it. */
  readonly aliases?: readonly string[];
  readonly writtenAlso?: readonly string[];
  /** First ocserv version that reads it (absent: every supported version). */
  readonly since?: string;
  /** First ocserv version that no longer reads it. */
  readonly until?: string;
  readonly summary: string;
}

const INT32_MAX = 2_147_483_647;
/** Seconds in a year: timeouts beyond it are a typo, not a policy. */
const YEAR_SECONDS = 365 * 24 * 3600;

export const OCSERV_OPTIONS: readonly OcservOptionSpec[] = [
  { key: 'no-udp', kind: 'boolean', repeatable: false, summary: 'no DTLS/UDP channel for this user' },
  { key: 'restrict-user-to-routes', kind: 'boolean', repeatable: false, summary: 'the client may reach only its routes' },
  {
    key: 'tunnel_all_dns',
    kind: 'boolean',
    repeatable: false,
    aliases: ['tunnel-all-dns'],
    writtenAlso: ['tunnel-all-dns'],
    summary: 'send all DNS queries into the tunnel (spelled tunnel-all-dns from 1.4.2; both are written)',
  },
  { key: 'deny-roaming', kind: 'boolean', repeatable: false, summary: 'a cookie works only from the client IP that logged in' },
  { key: 'route', kind: 'route', repeatable: true, allowsDefault: true, summary: 'a route pushed to the client' },
  // `default` is not a network ocserv can exclude: it would send the client the word itself.
  { key: 'no-route', kind: 'route', repeatable: true, allowsDefault: false, summary: 'a network excluded from the tunnel' },
  { key: 'iroute', kind: 'route', repeatable: true, allowsDefault: false, summary: "a network behind this user's client" },
  { key: 'split-dns', kind: 'domain', repeatable: true, summary: 'a domain resolved through the tunnel DNS' },
  { key: 'dns', kind: 'ip-address', repeatable: true, summary: 'a DNS server pushed to the client' },
  { key: 'ipv4-dns', kind: 'ipv4-address', repeatable: true, summary: 'an IPv4 DNS server (same list as dns)' },
  { key: 'ipv6-dns', kind: 'ipv6-address', repeatable: true, summary: 'an IPv6 DNS server (same list as dns)' },
  { key: 'nbns', kind: 'ip-address', repeatable: true, summary: 'a NetBIOS name server' },
  { key: 'ipv4-nbns', kind: 'ipv4-address', repeatable: true, summary: 'an IPv4 NetBIOS name server' },
  { key: 'ipv6-nbns', kind: 'ipv6-address', repeatable: true, summary: 'an IPv6 NetBIOS name server' },
  { key: 'cgroup', kind: 'cgroup', repeatable: false, until: '1.5.0', summary: 'cgroup of the worker process (removed in 1.5.0)' },
  { key: 'ipv4-network', kind: 'ipv4-network', repeatable: false, summary: 'the pool the IPv4 address comes from' },
  { key: 'ipv4-netmask', kind: 'ipv4-netmask', repeatable: false, summary: 'netmask of ipv4-network' },
  { key: 'explicit-ipv4', kind: 'ipv4-address', repeatable: false, summary: 'a fixed IPv4 address for this user' },
  { key: 'ipv6-network', kind: 'ipv6-network', repeatable: false, summary: 'the pool the IPv6 address comes from' },
  { key: 'explicit-ipv6', kind: 'ipv6-address', repeatable: false, summary: 'a fixed IPv6 address for this user' },
  { key: 'ipv6-subnet-prefix', kind: 'integer', repeatable: false, min: 1, max: 128, summary: 'prefix length given to each client' },
  { key: 'hostname', kind: 'domain', repeatable: false, summary: 'host name announced to the client' },
  { key: 'rx-data-per-sec', kind: 'integer', repeatable: false, min: 0, nonZeroMin: 1000, max: INT32_MAX, summary: 'bandwidth limit, bytes per second received (0: none; ocserv counts in kB, so at least 1000)' },
  { key: 'tx-data-per-sec', kind: 'integer', repeatable: false, min: 0, nonZeroMin: 1000, max: INT32_MAX, summary: 'bandwidth limit, bytes per second sent (0: none; at least 1000)' },
  { key: 'stats-report-time', kind: 'integer', repeatable: false, min: 0, max: YEAR_SECONDS, summary: 'seconds between statistics reports' },
  { key: 'session-timeout', kind: 'integer', repeatable: false, min: 0, max: YEAR_SECONDS, summary: 'seconds a session may last (0: no limit)' },
  // 16384: ocserv's own DTLS maximum.
  { key: 'mtu', kind: 'integer', repeatable: false, min: 576, max: 16_384, summary: 'tunnel MTU' },
  { key: 'dpd', kind: 'integer', repeatable: false, min: 0, max: YEAR_SECONDS, summary: 'dead peer detection, seconds' },
  { key: 'mobile-dpd', kind: 'integer', repeatable: false, min: 0, max: YEAR_SECONDS, summary: 'dead peer detection for mobile clients, seconds' },
  { key: 'idle-timeout', kind: 'integer', repeatable: false, min: 0, max: YEAR_SECONDS, summary: 'seconds without traffic before disconnect' },
  { key: 'mobile-idle-timeout', kind: 'integer', repeatable: false, min: 0, max: YEAR_SECONDS, summary: 'idle-timeout for mobile clients' },
  { key: 'keepalive', kind: 'integer', repeatable: false, min: 0, max: YEAR_SECONDS, summary: 'keepalive interval, seconds' },
  { key: 'max-same-clients', kind: 'integer', repeatable: false, min: 0, max: INT32_MAX, summary: 'sessions one user may have at once (0: no limit)' },
  { key: 'net-priority', kind: 'net-priority', repeatable: false, summary: 'socket priority 0-7, or a TOS byte as 0x..' },
  { key: 'user-profile', kind: 'path', repeatable: false, summary: 'AnyConnect XML profile (only when ocserv is built with AnyConnect compat)' },
  { key: 'client-bypass-protocol', kind: 'boolean', repeatable: false, summary: 'let the client bypass the tunnel for the IP version it has no address of' },
  { key: 'restrict-user-to-ports', kind: 'port-rules', repeatable: false, summary: 'the ports the client may (or, with !(...), may not) reach' },
];

/** Per version: what changed in the per-user/per-group keys (checked against ocserv's source at those tags). */
export const OCSERV_OPTION_VERSIONS: readonly { readonly version: string; readonly change: string }[] = [
  { version: '1.1.6', change: 'the 37 keys above (Debian 12)' },
  { version: '1.3.0', change: 'the same 37 keys (Debian 13)' },
  { version: '1.4.2', change: 'tunnel_all_dns is spelled tunnel-all-dns; the agent writes both, ocserv skips the one it does not know' },
  { version: '1.5.0', change: 'cgroup is no longer read' },
  { version: '1.5.1', change: 'a malformed file rejects the login; a symlinked file is refused' },
];

const BY_NAME = new Map<string, OcservOptionSpec>();
for (const spec of OCSERV_OPTIONS) {
  BY_NAME.set(spec.key, spec);
  for (const alias of spec.aliases ?? []) BY_NAME.set(alias, spec);
}

/** The spec of a key or one of its aliases; undefined for a key ocserv does not read. */
export function optionSpec(key: string): OcservOptionSpec | undefined {
  return BY_NAME.get(key);
}

/** Position of a key in the catalog: new keys are appended to a file in this order. */
export function catalogOrder(key: string): number {
  return OCSERV_OPTIONS.findIndex((spec) => spec.key === key);
}
