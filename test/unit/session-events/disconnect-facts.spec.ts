import { disconnectFromReport, mergeReport, withIntent, withOcservStopped } from '../../../src/session-events/disconnect-facts';
import type { SessionEndReport } from '../../../src/session/session-lifecycle';
import type { VpnSession } from '../../../src/session/vpn-session';

const T0 = 1_700_000_000_000;

function aSession(overrides: Partial<VpnSession> = {}): VpnSession {
  return {
    sessionId: '4242',
    username: 'alice',
    clientIp: '192.0.2.10',
    vpnIp: '10.10.0.2',
    deviceId: 'vpns0',
    connectedAtMs: T0,
    updatedAtMs: T0,
    bytesIn: 100,
    bytesOut: 200,
    metadata: { ocserv_session: 'zUcoI7' },
    ...overrides,
  };
}

function aReport(overrides: Partial<SessionEndReport> = {}): SessionEndReport {
  return { sessionId: '4242', username: 'alice', source: 'hook', atMs: T0 + 65_000, ...overrides };
}

describe(disconnectFromReport.name, () => {
  it("takes the disconnect-script's counters and duration and carries ocserv's session id", () => {
    const sut = disconnectFromReport(aReport({ bytesIn: 5000, bytesOut: 7000, durationSeconds: 64, lastKnown: aSession() }), undefined, undefined);
    expect(sut.stats).toEqual({ durationSeconds: 64, bytesReceived: 5000, bytesSent: 7000 });
    expect(sut.metadata).toMatchObject({ stats_source: 'script', ocserv_session: 'zUcoI7', reported_by: 'hook', reason_source: 'none' });
    expect(sut.reason).toBe('UNSPECIFIED');
  });

  it('falls back to the last counters seen and the duration since the connect', () => {
    const sut = disconnectFromReport(aReport({ source: 'reconcile', lastKnown: aSession() }), undefined, undefined);
    expect(sut.stats).toEqual({ durationSeconds: 65, bytesReceived: 100, bytesSent: 200 });
    expect(sut.metadata['stats_source']).toBe('last-look');
  });

  it("uses the agent's intent as the reason and keeps its detail", () => {
    const sut = disconnectFromReport(aReport(), { sessionId: '4242', username: 'alice', reason: 'ADMIN_FORCED', detail: 'DisconnectUser: maintenance' }, undefined);
    expect(sut.reason).toBe('ADMIN_FORCED');
    expect(sut.metadata).toMatchObject({ agent_intent: 'ADMIN_FORCED', agent_detail: 'DisconnectUser: maintenance', reason_source: 'agent' });
  });
});

describe(mergeReport.name, () => {
  it("folds the event stream's reason into the disconnect-script's report, keeping the script's counters", () => {
    const first = disconnectFromReport(aReport({ bytesIn: 5000, bytesOut: 7000, durationSeconds: 64 }), undefined, undefined);
    const sut = mergeReport(first, aReport({ source: 'occtl-event', ocservReason: 'idle timeout', durationSeconds: 63 }));
    expect(sut.reason).toBe('IDLE_TIMEOUT');
    expect(sut.stats).toEqual({ durationSeconds: 64, bytesReceived: 5000, bytesSent: 7000 });
    expect(sut.metadata).toMatchObject({ ocserv_reason: 'idle timeout', reported_by: 'hook,occtl-event', reason_source: 'ocserv' });
  });

  it("folds the script's counters into the event stream's report", () => {
    const first = disconnectFromReport(aReport({ source: 'occtl-event', ocservReason: 'user disconnected', durationSeconds: 12, lastKnown: aSession() }), undefined, undefined);
    const sut = mergeReport(first, aReport({ bytesIn: 9, bytesOut: 10, durationSeconds: 12 }));
    expect(sut.reason).toBe('USER_INITIATED');
    expect(sut.stats).toEqual({ durationSeconds: 12, bytesReceived: 9, bytesSent: 10 });
    expect(sut.metadata['stats_source']).toBe('script');
  });

  it('keeps the first ocserv text and names each reporter once', () => {
    const first = disconnectFromReport(aReport({ source: 'occtl-event', ocservReason: 'user disconnected' }), undefined, undefined);
    const sut = mergeReport(mergeReport(first, aReport({ source: 'occtl-event', ocservReason: 'unknown' })), aReport({ source: 'hook' }));
    expect(sut.metadata['ocserv_reason']).toBe('user disconnected');
    expect(sut.metadata['reported_by']).toBe('occtl-event,hook');
  });

  it('cuts a reason text longer than 256 characters instead of carrying it whole', () => {
    const sut = disconnectFromReport(aReport({ source: 'occtl-event', ocservReason: 'x'.repeat(70_000), callerReason: 'y'.repeat(5000) }), undefined, undefined);
    expect(sut.metadata['ocserv_reason']).toHaveLength(257);
    expect(sut.metadata['caller_reason']).toHaveLength(257);
    expect(sut.reason).toBe('UNSPECIFIED');
  });

  it('records a NotifyDisconnect caller reason as metadata, not as a reason', () => {
    const sut = disconnectFromReport(aReport({ source: 'notify', callerReason: 'client said bye' }), undefined, undefined);
    expect(sut.reason).toBe('UNSPECIFIED');
    expect(sut.metadata['caller_reason']).toBe('client said bye');
  });
});

describe(withOcservStopped.name, () => {
  it('turns an undecided end into SERVER_SHUTDOWN and leaves a decided one alone', () => {
    const unknown = disconnectFromReport(aReport({ source: 'occtl-event', ocservReason: 'unknown' }), undefined, undefined);
    expect(withOcservStopped(unknown).reason).toBe('SERVER_SHUTDOWN');
    const quit = disconnectFromReport(aReport({ source: 'occtl-event', ocservReason: 'user disconnected' }), undefined, undefined);
    expect(withOcservStopped(quit).reason).toBe('USER_INITIATED');
  });
});

describe(withIntent.name, () => {
  it('never replaces an intent already recorded', () => {
    const forced = disconnectFromReport(aReport(), { sessionId: '4242', username: 'alice', reason: 'ADMIN_FORCED', detail: 'a' }, undefined);
    const sut = withIntent(forced, { sessionId: '4242', username: 'alice', reason: 'POLICY_VIOLATION', detail: 'b' });
    expect(sut.reason).toBe('ADMIN_FORCED');
  });
});
