import type {
  ConnectEventBody,
  DisconnectEventBody,
  LiveSessionRecord,
  SessionEventKind,
  StoredEvent,
  UpdateEventBody,
} from '../session-event';

/** What a record* call did. `dropped`: the outbox is full (max_outbox_bytes) and the policy dropped this event. */
export type RecordOutcome =
  | { readonly outcome: 'stored'; readonly event: StoredEvent }
  /** The ledger already says so: a connect for a live session, an end or update for a session not live. */
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'dropped'; readonly reason: string };

export interface OutboxStats {
  /** Undelivered events, all kinds. */
  readonly pending: number;
  readonly pendingByKind: Readonly<Record<SessionEventKind, number>>;
  /** Payload bytes held (what max_outbox_bytes bounds). */
  readonly bytes: number;
  readonly maxBytes: number;
  /** createdAtMs of the oldest undelivered event; undefined when none. */
  readonly oldestCreatedAtMs: number | undefined;
  /** Events dropped since start because the outbox was full, by kind. */
  readonly droppedByKind: Readonly<Record<SessionEventKind, number>>;
  /** Rows found unreadable (bad JSON) and removed since start. */
  readonly corruptSkipped: number;
  readonly liveSessions: number;
}

/**
 * The durable outbox and the ledger of sessions reported live, in one store so that
 * "the portal was told this session started" and "its ReportConnect is queued" commit
 * together (exactly one connect and one end per session, across agent restarts).
 * Every method is synchronous: a call has committed when it returns.
 */
export abstract class EventOutbox {
  /** Ledger insert + connect event, one transaction. duplicate: the session is already live (same id and user). */
  abstract recordConnect(body: ConnectEventBody, nowMs: number): RecordOutcome;
  /**
   * Ledger delete + disconnect event, one transaction, not sent before `notBeforeMs`.
   * duplicate: the session is not live (never reported, or its end is already recorded).
   */
  abstract recordDisconnect(body: DisconnectEventBody, nowMs: number, notBeforeMs: number): RecordOutcome;
  /** A usage update for a live session; replaces that session's update still waiting (not leased). duplicate: not live. */
  abstract recordUpdate(body: UpdateEventBody, nowMs: number): RecordOutcome;
  /**
   * Rewrites the session's disconnect while it waits (not yet leased for sending): `amend` gets
   * the stored body and returns the new one; `notBeforeMs` moves its send time when given.
   * false when no such event is waiting (already sent, leased, or never recorded).
   */
  abstract amendPendingDisconnect(
    sessionId: string,
    amend: (body: DisconnectEventBody) => DisconnectEventBody,
    notBeforeMs?: number,
  ): boolean;
  /**
   * Leases events to send now: the oldest event of each session (a session's later events wait
   * for it), with notBeforeMs <= nowMs, skipping sessions that have a leased event, oldest
   * first, at most `limit`. A leased event is never returned again until released.
   */
  abstract lease(nowMs: number, limit: number): StoredEvent[];
  /** Delivered: removed for good (one transaction for all). */
  abstract delivered(seqs: readonly number[]): void;
  /** Not delivered: attempts + 1, not before `retryAtMs`, lease released. */
  abstract failed(seq: number, retryAtMs: number): void;
  /** Earliest notBeforeMs among unleased events; undefined when none (the deliverer's next wake-up). */
  abstract nextDueMs(): number | undefined;
  abstract liveSessions(): LiveSessionRecord[];
  abstract stats(): OutboxStats;
  abstract close(): void;
}
