import type { ConnectEventBody, DisconnectEventBody, StoredEvent, UpdateEventBody } from '../../../src/session-events/session-event';
import { FAKE_CLOCK_START_MS } from './fake-clock';

/** A plausible ReportConnect body; override only what the test is about. */
export function aConnectBody(overrides: Partial<ConnectEventBody> = {}): ConnectEventBody {
  return {
    kind: 'connect',
    username: 'alice',
    sessionId: 'sess-alice-1',
    groupname: 'staff',
    clientIp: '198.51.100.7',
    vpnIp: '10.10.0.2',
    device: 'vpns0',
    connectedAtMs: FAKE_CLOCK_START_MS,
    metadata: { platform: 'linux' },
    ...overrides,
  };
}

export function aDisconnectBody(overrides: Partial<DisconnectEventBody> = {}): DisconnectEventBody {
  return {
    kind: 'disconnect',
    username: 'alice',
    sessionId: 'sess-alice-1',
    disconnectedAtMs: FAKE_CLOCK_START_MS + 60_000,
    reason: 'USER_INITIATED',
    stats: { durationSeconds: 60, bytesReceived: 1_000, bytesSent: 2_000 },
    metadata: { ocserv_reason: 'user disconnected' },
    ...overrides,
  };
}

export function anUpdateBody(overrides: Partial<UpdateEventBody> = {}): UpdateEventBody {
  return {
    kind: 'update',
    username: 'alice',
    sessionId: 'sess-alice-1',
    updateTimeMs: FAKE_CLOCK_START_MS + 30_000,
    stats: { durationSeconds: 30, bytesReceived: 500, bytesSent: 900 },
    status: 'ACTIVE',
    metadata: {},
    ...overrides,
  };
}

/** An event as the outbox returns it from lease(). */
export function aStoredEvent<B extends StoredEvent['body']>(body: B, overrides: Partial<Omit<StoredEvent, 'body'>> = {}): StoredEvent & { body: B } {
  return {
    seq: 1,
    eventId: '6f1c1b8e-2f55-4c43-9d47-2b7a4f3c0a11',
    body,
    createdAtMs: FAKE_CLOCK_START_MS,
    attempts: 0,
    notBeforeMs: FAKE_CLOCK_START_MS,
    ...overrides,
  };
}
