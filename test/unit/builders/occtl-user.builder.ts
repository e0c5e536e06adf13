import type { OcctlEvent, OcctlStatus, OcctlUser } from '../../../src/occtl/occtl-records';
import { FAKE_CLOCK_START_MS } from './fake-clock';

/** A connected session as occtl reports it; override only what the test is about. */
export function anOcctlUser(overrides: Partial<OcctlUser> = {}): OcctlUser {
  return {
    id: 24356,
    username: 'alice',
    groupname: '',
    state: 'connected',
    vhost: 'default',
    device: 'vpns0',
    mtu: 1472,
    remoteIp: '198.51.100.7',
    localDeviceIp: '127.0.0.1',
    ipv4: '192.168.99.50',
    ptpIpv4: '192.168.99.1',
    ipv6: '',
    ptpIpv6: '',
    userAgent: 'Open AnyConnect VPN Agent v9.01-3',
    hostname: 'laptop',
    rxBytes: 100,
    txBytes: 200,
    connectedAtMs: FAKE_CLOCK_START_MS - 60_000,
    session: 'MsfXEO',
    fullSession: 'MsfXEORE0LxZmOiInCQ+vYPpJGU=',
    tlsCiphersuite: '(TLS1.3)',
    dtlsCipher: '',
    dns: [],
    nbns: [],
    splitDnsDomains: [],
    routes: ['defaultroute'],
    noRoutes: [],
    iroutes: [],
    restrictedToRoutes: false,
    restrictedToPorts: [],
    ...overrides,
  };
}

export function anOcctlStatus(overrides: Partial<OcctlStatus> = {}): OcctlStatus {
  return {
    status: 'online',
    serverPid: 1000,
    secModPid: 1001,
    upSinceMs: FAKE_CLOCK_START_MS - 3_600_000,
    activeSessions: 1,
    totalSessions: 1,
    ipsInBanList: 0,
    totalAuthenticationFailures: 0,
    rxBytes: 0,
    txBytes: 0,
    ...overrides,
  };
}

export function anOcctlEvent(overrides: Partial<OcctlEvent> = {}): OcctlEvent {
  return {
    kind: 'connect',
    vhost: 'default',
    username: 'alice',
    id: 24356,
    remoteIp: '198.51.100.7',
    vpnIp: '192.168.99.50',
    reason: undefined,
    durationSeconds: undefined,
    ...overrides,
  };
}
