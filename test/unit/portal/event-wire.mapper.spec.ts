import { DisconnectReason, SessionStatus } from '../../../src/generated/vpn/v1/events';
import {
  MAX_UPDATED_ROUTES,
  toConnectAnswer,
  toDisconnectAnswer,
  toReportConnectRequest,
  toReportDisconnectRequest,
  toReportSessionUpdateRequest,
  toUpdateAnswer,
} from '../../../src/portal/event-wire.mapper';
import { DISCONNECT_REASONS } from '../../../src/session-events/session-event';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aConnectBody, aDisconnectBody, anUpdateBody } from '../builders/session-event.builder';

const EVENT_ID = '6f1c1b8e-2f55-4c43-9d47-2b7a4f3c0a11';
const START_SECONDS = FAKE_CLOCK_START_MS / 1000;

describe('event-wire.mapper', () => {
  describe(toReportConnectRequest.name, () => {
    it('maps every field, connected_at as a Timestamp, and adds event_id to the metadata', () => {
      const request = toReportConnectRequest(aConnectBody({ connectedAtMs: FAKE_CLOCK_START_MS + 1_250 }), EVENT_ID);

      expect(request).toEqual({
        username: 'alice',
        session_id: 'sess-alice-1',
        client_ip: '198.51.100.7',
        vpn_ip: '10.10.0.2',
        device: 'vpns0',
        connected_at: { seconds: START_SECONDS + 1, nanos: 250_000_000 },
        groupname: 'staff',
        metadata: { platform: 'linux', event_id: EVENT_ID },
      });
    });

    it("keeps the event's id when the body's metadata names an event_id of its own", () => {
      const request = toReportConnectRequest(aConnectBody({ metadata: { event_id: 'forged' } }), EVENT_ID);

      expect(request.metadata).toEqual({ event_id: EVENT_ID });
    });
  });

  describe(toReportDisconnectRequest.name, () => {
    it('maps the reason, the stats and the metadata', () => {
      const request = toReportDisconnectRequest(aDisconnectBody(), EVENT_ID);

      expect(request).toEqual({
        username: 'alice',
        session_id: 'sess-alice-1',
        disconnected_at: { seconds: START_SECONDS + 60, nanos: 0 },
        reason: DisconnectReason.DISCONNECT_REASON_USER_INITIATED,
        stats: { duration_seconds: 60, bytes_received: 1_000, bytes_sent: 2_000, packets_received: 0, packets_sent: 0 },
        metadata: { ocserv_reason: 'user disconnected', event_id: EVENT_ID },
      });
    });

    it.each(DISCONNECT_REASONS)('maps reason %s to DISCONNECT_REASON_%s', (reason) => {
      expect(toReportDisconnectRequest(aDisconnectBody({ reason }), EVENT_ID).reason).toBe(`DISCONNECT_REASON_${reason}`);
    });

    it('sends counts that are negative, fractional or not numbers as whole numbers >= 0', () => {
      const stats = { durationSeconds: 12.9, bytesReceived: -5, bytesSent: Number.NaN };

      expect(toReportDisconnectRequest(aDisconnectBody({ stats }), EVENT_ID).stats).toMatchObject({
        duration_seconds: 12,
        bytes_received: 0,
        bytes_sent: 0,
      });
    });
  });

  describe(toReportSessionUpdateRequest.name, () => {
    it('maps update_time, current_stats, the status and the metadata', () => {
      const request = toReportSessionUpdateRequest(anUpdateBody({ status: 'IDLE', metadata: { ocserv_session: 'ocs-1' } }), EVENT_ID);

      expect(request).toEqual({
        username: 'alice',
        session_id: 'sess-alice-1',
        update_time: { seconds: START_SECONDS + 30, nanos: 0 },
        current_stats: { duration_seconds: 30, bytes_received: 500, bytes_sent: 900, packets_received: 0, packets_sent: 0 },
        status: SessionStatus.SESSION_STATUS_IDLE,
        metadata: { ocserv_session: 'ocs-1', event_id: EVENT_ID },
      });
    });

    it.each(['UNSPECIFIED', 'ACTIVE', 'IDLE', 'DEGRADED'] as const)('maps status %s to SESSION_STATUS_%s', (status) => {
      expect(toReportSessionUpdateRequest(anUpdateBody({ status }), EVENT_ID).status).toBe(`SESSION_STATUS_${status}`);
    });
  });

  describe(toConnectAnswer.name, () => {
    it('passes on success, the message and valid routes', () => {
      const mapped = toConnectAnswer({ success: true, message: 'ok', updated_routes: ['10.30.0.0/16', '2001:db8::/48', '192.0.2.1'] });

      expect(mapped).toEqual({ answer: { success: true, message: 'ok', updatedRoutes: ['10.30.0.0/16', '2001:db8::/48', '192.0.2.1'] }, problems: [] });
    });

    it('reads a missing answer as unsuccessful, with nothing in it', () => {
      expect(toConnectAnswer(undefined)).toEqual({ answer: { success: false, message: '', updatedRoutes: [] }, problems: [] });
      expect(toConnectAnswer({})).toEqual({ answer: { success: false, message: '', updatedRoutes: [] }, problems: [] });
    });

    it.each([
      ['a prefix longer than 32 bits', '10.0.0.0/33'],
      ['no address at all', 'not-a-route'],
      ['an IPv6 zone', 'fe80::1%eth0'],
      ['an empty string', ''],
    ])('ignores every route when one has %s, and says which', (_, route) => {
      const mapped = toConnectAnswer({ success: true, message: '', updated_routes: ['10.30.0.0/16', route] });

      expect(mapped.answer).toEqual({ success: true, message: '', updatedRoutes: [] });
      expect(mapped.problems).toEqual([`updated_routes ignored: route ${JSON.stringify(route)} is not an IP network`]);
    });

    it(`ignores more than ${MAX_UPDATED_ROUTES} routes without reading them`, () => {
      const routes = new Array<string>(1_000_000).fill('10.0.0.0/8');

      const started = process.hrtime.bigint();
      const mapped = toConnectAnswer({ success: true, message: '', updated_routes: routes });
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

      expect(mapped.answer.updatedRoutes).toEqual([]);
      expect(mapped.answer.success).toBe(true);
      expect(mapped.problems).toEqual([`updated_routes ignored: 1000000 routes (at most ${MAX_UPDATED_ROUTES})`]);
      expect(elapsedMs).toBeLessThan(50);
    });

    it(`accepts exactly ${MAX_UPDATED_ROUTES} routes`, () => {
      const routes = Array.from({ length: MAX_UPDATED_ROUTES }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);

      expect(toConnectAnswer({ success: true, message: '', updated_routes: routes }).answer.updatedRoutes).toHaveLength(MAX_UPDATED_ROUTES);
    });

    it('ignores routes that are not a list of strings', () => {
      const notAList = toConnectAnswer({ success: true, updated_routes: 'not a list' as unknown as string[] });
      const numbers = toConnectAnswer({ success: true, updated_routes: [42] as unknown as string[] });

      expect(notAList.answer.updatedRoutes).toEqual([]);
      expect(notAList.problems).toEqual(['updated_routes ignored: not a list']);
      expect(numbers.problems).toEqual(['updated_routes ignored: route "42" is not an IP network']);
    });

    it('clips a 100 KB message', () => {
      const mapped = toConnectAnswer({ success: true, message: 'x'.repeat(100_000) });

      expect(mapped.answer.message).toBe(`${'x'.repeat(1024)}…`);
    });

    it('reads success only from a true boolean', () => {
      expect(toConnectAnswer({ success: 'yes' as unknown as boolean }).answer.success).toBe(false);
    });
  });

  describe(toDisconnectAnswer.name, () => {
    it('passes on success and the message', () => {
      expect(toDisconnectAnswer({ success: true, message: 'recorded' })).toEqual({ answer: { success: true, message: 'recorded' }, problems: [] });
    });

    it('reads a missing answer as unsuccessful', () => {
      expect(toDisconnectAnswer(undefined).answer).toEqual({ success: false, message: '' });
    });
  });

  describe(toUpdateAnswer.name, () => {
    it('passes on a request to disconnect with its reason', () => {
      expect(toUpdateAnswer({ success: true, should_disconnect: true, disconnect_reason: 'account suspended' }).answer).toEqual({
        success: true,
        shouldDisconnect: true,
        disconnectReason: 'account suspended',
      });
    });

    it('gives a request to disconnect without a reason a default one', () => {
      expect(toUpdateAnswer({ success: true, should_disconnect: true, disconnect_reason: '' }).answer.disconnectReason).toBe(
        'disconnect requested by the portal',
      );
    });

    it('drops a reason sent without a request to disconnect', () => {
      expect(toUpdateAnswer({ success: true, should_disconnect: false, disconnect_reason: 'stray' }).answer).toEqual({
        success: true,
        shouldDisconnect: false,
        disconnectReason: '',
      });
    });

    it('reads a missing answer as nothing asked', () => {
      expect(toUpdateAnswer(undefined).answer).toEqual({ success: false, shouldDisconnect: false, disconnectReason: '' });
    });

    it('reads should_disconnect only from a true boolean', () => {
      expect(toUpdateAnswer({ should_disconnect: 1 as unknown as boolean }).answer.shouldDisconnect).toBe(false);
    });
  });
});
