/*
 * What the agent knows about ocserv.conf options, for its own checks (main-config.checks.ts).
 * Key names are from cfg_ini_handler in ocserv's src/config.c (1.1.x) plus log-level and
 * client-bypass-protocol, which 1.1.6 accepts without a warning (measured). ocserv reads numbers
 * with strtol and booleans as "true"/"yes" (any case) = on, anything else = off, so a typo
 * silently means 0 or off: that is what these tables are for.
 */

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

const SECONDS = { min: 0, max: 2 ** 31 - 1 } as const;
const COUNT = { min: 0, max: 2 ** 31 - 1 } as const;
const PORT = { min: 1, max: 65535 } as const;

export const MAIN_INTEGER_OPTIONS: ReadonlyMap<string, IntegerRange> = new Map<string, IntegerRange>([
  ['tcp-port', PORT],
  ['udp-port', PORT],
  ['max-clients', COUNT],
  ['max-same-clients', COUNT],
  ['rate-limit-ms', COUNT],
  ['server-drain-ms', COUNT],
  ['keepalive', SECONDS],
  ['dpd', SECONDS],
  ['mobile-dpd', SECONDS],
  ['switch-to-tcp-timeout', SECONDS],
  ['mtu', { min: 576, max: 65535 }],
  ['output-buffer', COUNT],
  ['rx-data-per-sec', COUNT],
  ['tx-data-per-sec', COUNT],
  ['stats-report-time', SECONDS],
  ['server-stats-reset-time', SECONDS],
  ['rekey-time', SECONDS],
  ['cookie-timeout', SECONDS],
  ['session-timeout', SECONDS],
  ['auth-timeout', SECONDS],
  ['idle-timeout', SECONDS],
  ['mobile-idle-timeout', SECONDS],
  ['min-reauth-time', SECONDS],
  ['ban-reset-time', SECONDS],
  ['max-ban-score', COUNT],
  ['ban-points-wrong-password', COUNT],
  ['ban-points-connection', COUNT],
  ['ban-points-kkdcp', COUNT],
  ['no-compress-limit', COUNT],
  ['sec-mod-scale', COUNT],
  ['ipv6-subnet-prefix', { min: 1, max: 128 }],
  ['ipv6-prefix', { min: 1, max: 128 }],
  ['log-level', { min: 0, max: 9 }],
]);

export const MAIN_BOOLEAN_OPTIONS: ReadonlySet<string> = new Set([
  'always-require-cert', 'append-routes', 'auto-select-group', 'cisco-client-compat', 'compression',
  'debug-no-secmod-stats', 'deny-roaming', 'dtls-legacy', 'dtls-psk', 'expose-iroutes', 'isolate-workers',
  'listen-host-is-dyndns', 'listen-proxy-proto', 'match-tls-dtls-ciphers', 'persistent-cookies', 'ping-leases',
  'predictable-ips', 'restrict-user-to-routes', 'try-mtu-discovery', 'tunnel-all-dns', 'use-dbus', 'use-occtl',
  'use-seccomp', 'use-utmp',
]);

/** ocserv's READ_TF: these mean on or off; any other word silently means off. */
export const BOOLEAN_WORDS: ReadonlySet<string> = new Set(['true', 'false', 'yes', 'no']);

/** Values that must be an IP address (DNS and NBNS servers pushed to clients). */
export const MAIN_ADDRESS_OPTIONS: ReadonlySet<string> = new Set(['dns', 'ipv4-dns', 'ipv6-dns', 'nbns', 'ipv4-nbns', 'ipv6-nbns']);

export const MAIN_ROUTE_OPTIONS: ReadonlySet<string> = new Set(['route', 'no-route']);

/**
 * Read once at ocserv's start (the "permanent" config in cfg_ini_handler): a reload
 * keeps the old value, so a change here only takes effect at the next restart.
 */
export const RESTART_ONLY_OPTIONS: ReadonlySet<string> = new Set([
  'auth', 'enable-auth', 'acct', 'listen-host', 'udp-listen-host', 'listen-netns', 'tcp-port', 'udp-port',
  'run-as-user', 'run-as-group', 'server-cert', 'server-key', 'dh-params', 'pin-file', 'srk-pin-file', 'ca-cert',
  'socket-file', 'occtl-socket-file', 'pid-file', 'sec-mod-scale', 'isolate-workers', 'chroot-dir',
  'server-stats-reset-time', 'use-occtl', 'debug-no-secmod-stats',
]);

export const MAIN_KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  ...MAIN_INTEGER_OPTIONS.keys(), ...MAIN_BOOLEAN_OPTIONS, ...MAIN_ADDRESS_OPTIONS, ...MAIN_ROUTE_OPTIONS,
  ...RESTART_ONLY_OPTIONS,
  'banner', 'cert-group-oid', 'cert-user-oid', 'cgroup', 'client-bypass-protocol', 'compression-algo-priority',
  'config-per-group', 'config-per-user', 'connect-script', 'crl', 'custom-header', 'default-domain',
  'default-group-config', 'default-select-group', 'default-user-config', 'device', 'disconnect-script',
  'host-update-script', 'ipv4-netmask', 'ipv4-network', 'ipv6-network', 'iroute', 'key-pin', 'kkdcp',
  'net-priority', 'ocsp-response', 'pre-login-banner', 'proxy-url', 'rekey-method', 'restrict-user-to-ports',
  'route-add-cmd', 'route-del-cmd', 'select-group', 'session-control', 'split-dns', 'srk-pin', 'tls-priorities',
  'user-profile',
]);

/** ocserv's compiled-in occtl socket when occtl-socket-file is absent (OCCTL_UNIX_SOCKET in src/occtl/ctl.h). */
export const OCSERV_DEFAULT_OCCTL_SOCKET = '/var/run/occtl.socket';
