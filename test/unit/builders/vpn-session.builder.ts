import type { NewVpnSession, VpnSession } from '../../../src/session/vpn-session';
import { FAKE_CLOCK_START_MS } from './fake-clock';

/** A plausible session as ocserv reports it; override only what the test is about. */
export function aNewVpnSession(overrides: Partial<NewVpnSession> = {}): NewVpnSession {
  return {
    sessionId: 'sess-alice-1',
    username: 'alice',
    clientIp: '198.51.100.7',
    vpnIp: '10.10.0.2',
    deviceId: 'vpns0',
    connectedAtMs: FAKE_CLOCK_START_MS,
    bytesIn: 0,
    bytesOut: 0,
    metadata: { platform: 'linux' },
    ...overrides,
  };
}

/** A session as the store holds it (last confirmed at its connect time). */
export function aVpnSession(overrides: Partial<VpnSession> = {}): VpnSession {
  return { ...aNewVpnSession(), updatedAtMs: FAKE_CLOCK_START_MS, ...overrides };
}
