import { AgentError } from '../../../src/errors/agent-error';
import { OCSERV_DISCONNECT_REASON } from '../../../src/ipc/hook-notice.mapper';
import type { HookRequest } from '../../../src/ipc/hook-request';
import { IpcHookController } from '../../../src/ipc/ipc-hook.controller';
import { METADATA_VALUE_MAX_LENGTH } from '../../../src/validation/field-limits.constant';
import type { ConnectDecision, ConnectNotice, DecisionDeadline, DisconnectAck, DisconnectNotice, HostUpdateNotice } from '../../../src/vpn/vpn-notices';
import type { VpnSessionService } from '../../../src/vpn/vpn-session.service';
import { agentErrorFrom, agentErrorFromAsync } from '../builders/caught-error';
import { aDenyDecision, anAllowDecision } from '../builders/vpn-request.builder';

const ACK: DisconnectAck = { acknowledged: true, message: 'done' };

/** VpnSessionService as the controller sees it: remembers calls, answers what the test says. */
class FakeVpnSessions {
  decision: ConnectDecision = anAllowDecision({ source: 'static' });
  disconnectError: AgentError | undefined;
  readonly connects: { notice: ConnectNotice; deadline: DecisionDeadline }[] = [];
  readonly disconnects: DisconnectNotice[] = [];
  readonly hostUpdates: HostUpdateNotice[] = [];

  connectFromOcserv(notice: ConnectNotice, deadline: DecisionDeadline = {}): Promise<ConnectDecision> {
    this.connects.push({ notice, deadline });
    return Promise.resolve(this.decision);
  }

  disconnect(notice: DisconnectNotice): DisconnectAck {
    if (this.disconnectError) throw this.disconnectError;
    this.disconnects.push(notice);
    return ACK;
  }

  hostUpdate(notice: HostUpdateNotice): DisconnectAck {
    this.hostUpdates.push(notice);
    return ACK;
  }
}

const aHookRequest = (env: Record<string, string> = {}, overrides: Partial<HookRequest> = {}): HookRequest => ({
  op: 'connect',
  budgetMs: undefined,
  env: {
    REASON: 'connect',
    USERNAME: 'alice',
    GROUPNAME: 'staff',
    ID: '4242',
    IP_REAL: '198.51.100.7',
    IP_REMOTE: '10.10.0.2',
    DEVICE: 'vpns0',
    ...env,
  },
  ...overrides,
});

describe(IpcHookController.name, () => {
  let sessions: FakeVpnSessions;
  let sut: IpcHookController;

  beforeEach(() => {
    sessions = new FakeVpnSessions();
    sut = new IpcHookController(sessions as unknown as VpnSessionService);
  });

  describe('connect', () => {
    it('hands the domain a validated notice built from the ocserv variables', async () => {
      await sut.connect(aHookRequest());

      expect(sessions.connects[0]?.notice).toEqual({
        username: 'alice',
        groupname: 'staff',
        clientIp: '198.51.100.7',
        vpnIp: '10.10.0.2',
        sessionId: '4242',
        deviceId: 'vpns0',
        connectedAtMs: undefined,
        metadata: {},
      });
    });

    it('passes the hook budget as the decision deadline, and none when it stated none', async () => {
      await sut.connect(aHookRequest({}, { budgetMs: 5000 }));
      await sut.connect(aHookRequest());

      expect(sessions.connects.map((call) => call.deadline)).toEqual([{ budgetMs: 5000 }, {}]);
    });

    it('answers the decision', async () => {
      await expect(sut.connect(aHookRequest())).resolves.toEqual({ allowed: true, source: 'static' });
    });

    it('answers a deny with its reason', async () => {
      sessions.decision = aDenyDecision('account suspended');

      await expect(sut.connect(aHookRequest())).resolves.toEqual({ allowed: false, source: 'portal', reason: 'account suspended' });
    });

    it('keeps the informational variables as lowercase metadata', async () => {
      await sut.connect(
        aHookRequest({
          VHOST: 'vpn.example.org',
          USER_AGENT: 'AnyConnect Windows 4.10',
          DEVICE_TYPE: 'laptop',
          DEVICE_PLATFORM: 'win',
          REMOTE_HOSTNAME: 'alice-pc',
          IP_REAL_LOCAL: '203.0.113.1',
          IP_LOCAL: '10.10.0.1',
          OCSERV_ROUTES: '10.0.0.0/8',
        }),
      );

      expect(sessions.connects[0]?.notice.metadata).toEqual({
        vhost: 'vpn.example.org',
        user_agent: 'AnyConnect Windows 4.10',
        device_type: 'laptop',
        device_platform: 'win',
        hostname: 'alice-pc',
        ip_real_local: '203.0.113.1',
        ip_local: '10.10.0.1',
      });
    });

    it('falls back to HOSTNAME when REMOTE_HOSTNAME is not set', async () => {
      await sut.connect(aHookRequest({ HOSTNAME: 'old-ocserv-name' }));

      expect(sessions.connects[0]?.notice.metadata['hostname']).toBe('old-ocserv-name');
    });

    it('cuts an over-long user agent to the metadata limit instead of refusing the connection', async () => {
      await sut.connect(aHookRequest({ USER_AGENT: 'A'.repeat(10_000) }));

      expect(sessions.connects[0]?.notice.metadata['user_agent']).toHaveLength(METADATA_VALUE_MAX_LENGTH);
    });

    it.each(['VHOST', 'REMOTE_HOSTNAME', 'DEVICE_PLATFORM'])('cuts an over-long %s instead of refusing the connection', async (name) => {
      await sut.connect(aHookRequest({ [name]: 'x'.repeat(3000) }));

      const values = Object.values(sessions.connects[0]?.notice.metadata ?? {});
      expect(values).toContain('x'.repeat(METADATA_VALUE_MAX_LENGTH));
    });

    it('does not split a surrogate pair when it cuts a value', async () => {
      await sut.connect(aHookRequest({ USER_AGENT: `${'a'.repeat(METADATA_VALUE_MAX_LENGTH - 1)}😀tail` }));

      expect(sessions.connects[0]?.notice.metadata['user_agent']).toBe('a'.repeat(METADATA_VALUE_MAX_LENGTH - 1));
    });

    it('accepts a connection without IP_REMOTE, GROUPNAME or DEVICE', async () => {
      await sut.connect(aHookRequest({ IP_REMOTE: '', GROUPNAME: '', DEVICE: '' }));

      expect(sessions.connects[0]?.notice).toMatchObject({ vpnIp: '', groupname: '', deviceId: '' });
    });

    it.each([
      [{ USERNAME: '' }, 'env.USERNAME is required'],
      [{ ID: '' }, 'env.ID is required'],
      [{ IP_REAL: '' }, 'env.IP_REAL is required'],
      [{ IP_REAL: 'localhost' }, 'env.IP_REAL must be an IPv4 or IPv6 address; got "localhost" (9 chars)'],
      [{ IP_REMOTE: '10.0.0.300' }, 'env.IP_REMOTE must be an IPv4 or IPv6 address; got "10.0.0.300" (10 chars)'],
      [{ USERNAME: '-rf' }, expect.stringMatching(/^env\.USERNAME must be 1-64 characters/)],
      [{ GROUPNAME: '../etc' }, expect.stringMatching(/^env\.GROUPNAME must be/)],
      [{ DEVICE: 'vpns0; rm' }, expect.stringMatching(/^env\.DEVICE must be/)],
    ])('refuses %j before asking the domain', async (env, message) => {
      const error = await agentErrorFromAsync(sut.connect(aHookRequest(env)));

      expect(error.message).toEqual(message);
      expect(sessions.connects).toHaveLength(0);
    });
  });

  describe('disconnect', () => {
    it('reports the disconnect for the user and session', () => {
      expect(sut.disconnect(aHookRequest({ REASON: 'disconnect' }, { op: 'disconnect' }))).toEqual({ ok: true });

      expect(sessions.disconnects).toEqual([{ username: 'alice', sessionId: '4242', reason: OCSERV_DISCONNECT_REASON }]);
    });

    it('does not need IP_REAL', () => {
      expect(sut.disconnect(aHookRequest({ IP_REAL: '' }, { op: 'disconnect' }))).toEqual({ ok: true });
    });

    it('lets the domain refusal through for the transport to answer', () => {
      sessions.disconnectError = AgentError.failedPrecondition('session 4242 belongs to another user');

      expect(agentErrorFrom(() => sut.disconnect(aHookRequest({}, { op: 'disconnect' })))).toBe(sessions.disconnectError);
    });

    describe("with ocserv's STATS_* counters", () => {
      const aDisconnect = (stats: Record<string, string>): HookRequest =>
        aHookRequest({ REASON: 'disconnect', STATS_BYTES_IN: '5000', STATS_BYTES_OUT: '7000', STATS_DURATION: '64', ...stats }, { op: 'disconnect' });

      it('passes the bytes in and out and the duration on', () => {
        sut.disconnect(aDisconnect({}));

        expect(sessions.disconnects[0]?.stats).toEqual({ bytesIn: 5000, bytesOut: 7000, durationSeconds: 64 });
      });

      it('takes counters up to 2^53 - 1', () => {
        sut.disconnect(aDisconnect({ STATS_BYTES_IN: String(Number.MAX_SAFE_INTEGER), STATS_BYTES_OUT: '0', STATS_DURATION: '0' }));

        expect(sessions.disconnects[0]?.stats).toEqual({ bytesIn: Number.MAX_SAFE_INTEGER, bytesOut: 0, durationSeconds: 0 });
      });

      it('leaves the counters out when ocserv gave none', () => {
        sut.disconnect(aHookRequest({ REASON: 'disconnect' }, { op: 'disconnect' }));

        expect(sessions.disconnects[0]).not.toHaveProperty('stats');
      });

      const HOSTILE = ['-1', '1e3', '12abc', '1'.repeat(30), '9007199254740993', '', ' 12', '0x10', '1.5'];

      it.each(HOSTILE.flatMap((value) => [['STATS_BYTES_IN', value], ['STATS_BYTES_OUT', value]]))(
        'leaves the stats out for %s=%j and still reports the end',
        (name, value) => {
          expect(sut.disconnect(aDisconnect({ [name]: value }))).toEqual({ ok: true });

          expect(sessions.disconnects).toHaveLength(1);
          expect(sessions.disconnects[0]).toEqual({ username: 'alice', sessionId: '4242', reason: OCSERV_DISCONNECT_REASON });
        },
      );

      it.each(HOSTILE)('keeps the byte counters but no duration for STATS_DURATION=%j', (value) => {
        expect(sut.disconnect(aDisconnect({ STATS_DURATION: value }))).toEqual({ ok: true });

        expect(sessions.disconnects[0]?.stats).toEqual({ bytesIn: 5000, bytesOut: 7000, durationSeconds: undefined });
      });
    });
  });

  describe('hostUpdate', () => {
    it('records REMOTE_HOSTNAME for the session', () => {
      expect(sut.hostUpdate(aHookRequest({ REMOTE_HOSTNAME: 'alice-laptop' }, { op: 'host-update' }))).toEqual({ ok: true });

      expect(sessions.hostUpdates).toEqual([{ username: 'alice', sessionId: '4242', hostname: 'alice-laptop' }]);
    });

    it('refuses a host-update without REMOTE_HOSTNAME', () => {
      expect(agentErrorFrom(() => sut.hostUpdate(aHookRequest({}, { op: 'host-update' }))).message).toBe(
        'env.REMOTE_HOSTNAME is required for host-update',
      );
    });
  });
});
