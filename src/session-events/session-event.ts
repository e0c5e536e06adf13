/*
 * What the agent tells the portal about sessions (vpn.v1.EventService), in domain terms. One
 * event body per ReportConnect / ReportDisconnect / ReportSessionUpdate; the outbox stores it
 * as JSON with its event id (the idempotency key the portal dedupes on, sent as
 * metadata.event_id), and the deliverer maps it onto the wire.
 */

export type SessionEventKind = 'connect' | 'disconnect' | 'update';

/** vpn.v1.DisconnectReason without the prefix. */
export const DISCONNECT_REASONS = [
  'UNSPECIFIED',
  'USER_INITIATED',
  'ADMIN_FORCED',
  'IDLE_TIMEOUT',
  'SESSION_LIMIT',
  'CERTIFICATE_REVOKED',
  'POLICY_VIOLATION',
  'SERVER_SHUTDOWN',
  'CONNECTION_ERROR',
] as const;
export type DisconnectReasonName = (typeof DISCONNECT_REASONS)[number];

/** vpn.v1.SessionStatus without the prefix. */
export type SessionStatusName = 'UNSPECIFIED' | 'ACTIVE' | 'IDLE' | 'DEGRADED';

/**
 * One worker session's usage. ocserv counts per worker: a cookie reconnect is a new worker
 * with counters from zero. bytesReceived: what the server received from the client (ocserv's
 * STATS_BYTES_IN, occtl RX); bytesSent: what it sent to the client (STATS_BYTES_OUT, TX).
 */
export interface SessionStatsFacts {
  readonly durationSeconds: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
}

export interface ConnectEventBody {
  readonly kind: 'connect';
  readonly username: string;
  readonly sessionId: string;
  readonly groupname: string;
  readonly clientIp: string;
  readonly vpnIp: string;
  readonly device: string;
  readonly connectedAtMs: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface DisconnectEventBody {
  readonly kind: 'disconnect';
  readonly username: string;
  readonly sessionId: string;
  readonly disconnectedAtMs: number;
  readonly reason: DisconnectReasonName;
  readonly stats: SessionStatsFacts;
  /** ocserv_reason (ocserv's own text), reason_source, ocserv_session, ... */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface UpdateEventBody {
  readonly kind: 'update';
  readonly username: string;
  readonly sessionId: string;
  readonly updateTimeMs: number;
  readonly stats: SessionStatsFacts;
  readonly status: SessionStatusName;
  readonly metadata: Readonly<Record<string, string>>;
}

export type SessionEventBody = ConnectEventBody | DisconnectEventBody | UpdateEventBody;

/** An event as the outbox holds it. */
export interface StoredEvent {
  /** Outbox order (SQLite rowid): per session, events go out in this order. */
  readonly seq: number;
  /** Idempotency key: random, fixed when first persisted, the same on every re-send. */
  readonly eventId: string;
  readonly body: SessionEventBody;
  readonly createdAtMs: number;
  /** Delivery attempts that failed so far. */
  readonly attempts: number;
  /** Not sent before this time (a disconnect waiting for ocserv's second report, a retry's backoff). */
  readonly notBeforeMs: number;
}

/** A session the portal was told about (ReportConnect persisted) and whose end is not yet persisted. */
export interface LiveSessionRecord {
  readonly sessionId: string;
  readonly username: string;
  readonly connectedAtMs: number;
  /** What the connect event said (device, addresses, metadata): recovery reports an end with it. */
  readonly connect: ConnectEventBody;
}
