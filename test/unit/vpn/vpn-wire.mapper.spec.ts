import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import type { VpnSession } from '../../../src/session/vpn-session';
import {
  toConnectNotice,
  toDisconnectNotice,
  toGetActiveSessionsResponse,
  toNotifyConnectResponse,
  toNotifyDisconnectResponse,
  toSessionQuery,
} from '../../../src/vpn/vpn-wire.mapper';
import { agentErrorFrom } from '../builders/caught-error';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aNewVpnSession } from '../builders/vpn-session.builder';
import {
  aDenyDecision,
  aGetActiveSessionsRequest,
  anAllowDecision,
  aNotifyConnectRequest,
  aNotifyDisconnectRequest,
} from '../builders/vpn-request.builder';

function aStoredSession(overrides: Partial<VpnSession> = {}): VpnSession {
  return { ...aNewVpnSession(), updatedAtMs: FAKE_CLOCK_START_MS, ...overrides };
}

describe('vpn-wire.mapper', () => {
  describe(toConnectNotice.name, () => {
    it('maps a valid request field by field', () => {
      expect(toConnectNotice(aNotifyConnectRequest())).toEqual({
        username: 'alice',
        groupname: '',
        clientIp: '198.51.100.7',
        vpnIp: '10.10.0.2',
        sessionId: 'sess-alice-1',
        deviceId: 'vpns0',
        connectedAtMs: undefined,
        metadata: { platform: 'linux' },
      });
    });

    it('takes the group from metadata.groupname, the only place NotifyConnect carries it', () => {
      const notice = toConnectNotice(aNotifyConnectRequest({ metadata: { groupname: 'staff' } }));

      expect(notice.groupname).toBe('staff');
    });

    it('refuses a hostile metadata.groupname', () => {
      expect(() => toConnectNotice(aNotifyConnectRequest({ metadata: { groupname: 'staff;rm -rf /' } }))).toThrow(/groupname/);
    });

    it('converts connect_time to milliseconds', () => {
      const notice = toConnectNotice(aNotifyConnectRequest({ connect_time: { seconds: 1_735_689_600, nanos: 5_000_000 } }));

      expect(notice.connectedAtMs).toBe(1_735_689_600_005);
    });

    it('accepts an unknown vpn_ip and device_id as empty', () => {
      expect(toConnectNotice(aNotifyConnectRequest({ vpn_ip: '', device_id: '' }))).toMatchObject({ vpnIp: '', deviceId: '' });
    });

    it('treats absent metadata as empty', () => {
      const request = aNotifyConnectRequest({ metadata: undefined as unknown as Record<string, string> });

      expect(toConnectNotice(request).metadata).toEqual({});
    });

    it('copies the metadata, so later changes to the request do not reach the domain', () => {
      const request = aNotifyConnectRequest({ metadata: { platform: 'linux' } });
      const notice = toConnectNotice(request);

      request.metadata.platform = 'changed';

      expect(notice.metadata).toEqual({ platform: 'linux' });
    });

    it.each([
      ['username', { username: '' }],
      ['username', { username: '-oProxyCommand=id' }],
      ['username', { username: 'alice;reboot' }],
      ['username', { username: 'a'.repeat(65) }],
      ['client_ip', { client_ip: '' }],
      ['client_ip', { client_ip: 'fe80::1%eth0' }],
      ['client_ip', { client_ip: 'vpn.example.com' }],
      ['vpn_ip', { vpn_ip: '10.10.0.0/24' }],
      ['session_id', { session_id: '' }],
      ['session_id', { session_id: '$(reboot)' }],
      ['device_id', { device_id: '../../dev/null' }],
      ['connect_time', { connect_time: { seconds: -1, nanos: 0 } }],
      ['connect_time', { connect_time: { seconds: 1, nanos: 1_000_000_000 } }],
      ['metadata', { metadata: { 'bad key': 'v' } }],
      ['metadata', { metadata: { user_agent: 'u'.repeat(2049) } }],
      ['metadata', { metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }],
    ])('refuses a hostile %s with INVALID_ARGUMENT naming the field', (field, overrides) => {
      const error = agentErrorFrom(() => toConnectNotice(aNotifyConnectRequest(overrides)));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message.startsWith(field)).toBe(true);
    });

    it('does not echo a 10 KB username back in full', () => {
      const error = agentErrorFrom(() => toConnectNotice(aNotifyConnectRequest({ username: 'x'.repeat(10_240) })));

      expect(error.message.length).toBeLessThan(300);
    });
  });

  describe(toNotifyConnectResponse.name, () => {
    it('maps an allow decision', () => {
      expect(toNotifyConnectResponse(anAllowDecision({ configParams: { 'idle-timeout': '600' } }))).toEqual({
        allowed: true,
        should_disconnect: false,
        deny_reason: '',
        routes: ['10.10.0.0/16'],
        dns_servers: ['10.10.0.53'],
        config_params: { 'idle-timeout': '600' },
      });
    });

    it('maps a deny decision with its reason', () => {
      expect(toNotifyConnectResponse(aDenyDecision('account suspended'))).toMatchObject({
        allowed: false,
        should_disconnect: true,
        deny_reason: 'account suspended',
      });
    });

    it('copies lists so the response cannot alias a shared decision', () => {
      const decision = anAllowDecision();

      const response = toNotifyConnectResponse(decision);

      expect(response.routes).not.toBe(decision.routes);
      expect(response.dns_servers).not.toBe(decision.dnsServers);
    });
  });

  describe(toDisconnectNotice.name, () => {
    it('maps a valid request', () => {
      expect(toDisconnectNotice(aNotifyDisconnectRequest())).toEqual({
        username: 'alice',
        sessionId: 'sess-alice-1',
        reason: 'user logged out',
      });
    });

    it('accepts a disconnect_reason of 256 characters', () => {
      expect(() => toDisconnectNotice(aNotifyDisconnectRequest({ disconnect_reason: 'r'.repeat(256) }))).not.toThrow();
    });

    it('refuses a disconnect_reason over 256 characters, naming the field', () => {
      const error = agentErrorFrom(() => toDisconnectNotice(aNotifyDisconnectRequest({ disconnect_reason: 'r'.repeat(257) })));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toMatch(/^disconnect_reason must be at most 256 characters/);
    });

    it.each([
      ['username', { username: '../root' }],
      ['session_id', { session_id: '-x' }],
    ])('refuses a hostile %s', (field, overrides) => {
      expect(agentErrorFrom(() => toDisconnectNotice(aNotifyDisconnectRequest(overrides))).message.startsWith(field)).toBe(true);
    });

    it('carries no stats when every counter is zero (proto3: the caller sent none)', () => {
      expect(toDisconnectNotice(aNotifyDisconnectRequest({ bytes_in: 0, bytes_out: 0, duration_seconds: 0 }))).not.toHaveProperty('stats');
    });

    it("carries the caller's counters and duration", () => {
      const notice = toDisconnectNotice(aNotifyDisconnectRequest({ bytes_in: 5_000, bytes_out: 7_000, duration_seconds: 64 }));

      expect(notice.stats).toEqual({ bytesIn: 5_000, bytesOut: 7_000, durationSeconds: 64 });
    });

    it.each([
      [{ bytes_in: 1 }, { bytesIn: 1, bytesOut: 0, durationSeconds: undefined }],
      [{ bytes_out: 1 }, { bytesIn: 0, bytesOut: 1, durationSeconds: undefined }],
      [{ duration_seconds: 1 }, { bytesIn: 0, bytesOut: 0, durationSeconds: 1 }],
    ])('carries stats when any counter is not zero: %j', (counters, stats) => {
      expect(toDisconnectNotice(aNotifyDisconnectRequest(counters)).stats).toEqual(stats);
    });
  });

  describe(toNotifyDisconnectResponse.name, () => {
    it('maps the acknowledgement', () => {
      expect(toNotifyDisconnectResponse({ acknowledged: true, message: 'session s removed' })).toEqual({
        acknowledged: true,
        message: 'session s removed',
      });
    });
  });

  describe(toSessionQuery.name, () => {
    it('reads an empty username_filter as every user', () => {
      expect(toSessionQuery(aGetActiveSessionsRequest())).toEqual({ username: '', includeStats: false });
    });

    it('keeps a valid username_filter and include_stats', () => {
      expect(toSessionQuery(aGetActiveSessionsRequest({ username_filter: 'alice', include_stats: true }))).toEqual({
        username: 'alice',
        includeStats: true,
      });
    });

    it('refuses a hostile username_filter, naming that field', () => {
      const error = agentErrorFrom(() => toSessionQuery(aGetActiveSessionsRequest({ username_filter: 'alice*' })));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toMatch(/^username_filter must be/);
    });
  });

  describe(toGetActiveSessionsResponse.name, () => {
    const session = aStoredSession({ connectedAtMs: 1_735_689_600_250, bytesIn: 1234, bytesOut: 5678 });

    it('maps each session with its connect time as a Timestamp', () => {
      expect(toGetActiveSessionsResponse([session], true)).toEqual({
        sessions: [
          {
            session_id: 'sess-alice-1',
            username: 'alice',
            client_ip: '198.51.100.7',
            vpn_ip: '10.10.0.2',
            connected_at: { seconds: 1_735_689_600, nanos: 250_000_000 },
            bytes_in: 1234,
            bytes_out: 5678,
            device_id: 'vpns0',
            metadata: { platform: 'linux' },
          },
        ],
        total_count: 1,
      });
    });

    it('zeroes the byte counters when include_stats is false', () => {
      const [message] = toGetActiveSessionsResponse([session], false).sessions;

      expect(message).toMatchObject({ bytes_in: 0, bytes_out: 0 });
    });

    it('answers an empty list with a total of 0', () => {
      expect(toGetActiveSessionsResponse([], true)).toEqual({ sessions: [], total_count: 0 });
    });
  });
});
