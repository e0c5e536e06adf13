/** A minimal ocserv.conf the agent's checks accept, with the agent's socket; extra lines appended. */
export const AGENT_SOCKET = '/run/ocserv-test/occtl.sock';

export function aMainConf(...extra: string[]): string {
  return [
    'auth = "plain[passwd=/etc/ocserv/passwd]"',
    'tcp-port = 443',
    'server-cert = /etc/ocserv/server.crt',
    'server-key = /etc/ocserv/server.key',
    'use-occtl = true',
    `occtl-socket-file = ${AGENT_SOCKET}`,
    'max-clients = 16',
    'ipv4-network = 192.168.1.0',
    'ipv4-netmask = 255.255.255.0',
    ...extra,
    '',
  ].join('\n');
}
