import { join } from 'node:path';

export interface OcservConfInput {
  readonly dir: string;
  readonly port: number;
  readonly connectScript: string;
  readonly disconnectScript: string;
  readonly hostUpdateScript: string | undefined;
  readonly maxBanScore: number;
  readonly extraConfig: readonly string[];
}

/**
 * ocserv.conf for a lab instance. Loopback only, TCP only (no udp-port: clients
 * run --no-dtls, and one port less to collide), plain auth from the lab's passwd,
 * predictable addresses, and every path inside the lab dir.
 */
export function ocservConfText(input: OcservConfInput): string {
  const path = (name: string) => join(input.dir, name);
  return [
    `auth = "plain[passwd=${path('passwd')}]"`,
    'listen-host = 127.0.0.1',
    `tcp-port = ${input.port}`,
    'run-as-user = nobody',
    'run-as-group = nogroup',
    `socket-file = ${path('ocserv.sock')}`,
    `occtl-socket-file = ${path('occtl.sock')}`,
    `pid-file = ${path('ocserv.pid')}`,
    `server-cert = ${path('server.crt')}`,
    `server-key = ${path('server.key')}`,
    'isolate-workers = false',
    'max-clients = 256',
    'max-same-clients = 0',
    `max-ban-score = ${input.maxBanScore}`,
    'ban-reset-time = 300',
    'keepalive = 300',
    'dpd = 60',
    'mobile-dpd = 300',
    'try-mtu-discovery = false',
    'tls-priorities = "NORMAL:%SERVER_PRECEDENCE"',
    'auth-timeout = 240',
    'idle-timeout = 1200',
    'cookie-timeout = 300',
    'deny-roaming = false',
    'rekey-time = 172800',
    'rekey-method = ssl',
    'use-occtl = true',
    'log-level = 2',
    'device = vpns',
    'predictable-ips = true',
    'ipv4-network = 192.168.99.0',
    'ipv4-netmask = 255.255.255.0',
    'ping-leases = false',
    `config-per-user = ${path('config-per-user')}/`,
    `config-per-group = ${path('config-per-group')}/`,
    `connect-script = ${input.connectScript}`,
    `disconnect-script = ${input.disconnectScript}`,
    ...(input.hostUpdateScript === undefined ? [] : [`host-update-script = ${input.hostUpdateScript}`]),
    ...input.extraConfig,
    '',
  ].join('\n');
}
