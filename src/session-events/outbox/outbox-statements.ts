import type Database from 'better-sqlite3';
import type { KindTotals } from './outbox-budget';

export interface EventRow {
  readonly seq: number;
  readonly event_id: string;
  readonly session_id: string;
  readonly kind: string;
  readonly body: string;
  readonly bytes: number;
  readonly created_ms: number;
  readonly attempts: number;
  readonly not_before_ms: number;
}

export interface LiveSessionRow {
  readonly session_id: string;
  readonly username: string;
  readonly connected_at_ms: number;
  readonly connect_body: string;
}

export interface NewEventParams {
  readonly eventId: string;
  readonly sessionId: string;
  readonly kind: string;
  readonly body: string;
  readonly bytes: number;
  readonly createdMs: number;
  readonly notBeforeMs: number;
}

type SeqBytes = { readonly seq: number; readonly bytes: number };
type KindBytes = { readonly kind: string; readonly bytes: number };

const EVENT_COLUMNS = 'seq, event_id, session_id, kind, body, bytes, created_ms, attempts, not_before_ms';

/** Every statement the outbox runs, prepared once at open: the hot path does no SQL parsing. */
export function prepareOutboxStatements(db: Database.Database) {
  return {
    insertEvent: db.prepare<[NewEventParams], never>(
      `INSERT INTO events (event_id, session_id, kind, body, bytes, created_ms, attempts, not_before_ms, is_head)
       VALUES (@eventId, @sessionId, @kind, @body, @bytes, @createdMs, 0, @notBeforeMs,
               NOT EXISTS (SELECT 1 FROM events WHERE session_id = @sessionId))`,
    ),
    /** RETURNING hands the budget the stored size; undefined when the seq is gone. */
    deleteEvent: db.prepare<[number], KindBytes>('DELETE FROM events WHERE seq = ? RETURNING kind, bytes'),
    updatesOfSession: db.prepare<[string], SeqBytes>("SELECT seq, bytes FROM events WHERE session_id = ? AND kind = 'update'"),
    latestDisconnectOfSession: db.prepare<[string], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE session_id = ? AND kind = 'disconnect' ORDER BY seq DESC LIMIT 1`,
    ),
    rewriteBody: db.prepare<[string, number, number, number], never>(
      'UPDATE events SET body = ?, bytes = ?, not_before_ms = ? WHERE seq = ?',
    ),
    markFailed: db.prepare<[number, number], never>('UPDATE events SET attempts = attempts + 1, not_before_ms = ? WHERE seq = ?'),
    /** Heads in outbox order; the index carries not_before_ms, so heads not due cost no table read. */
    dueHeads: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events INDEXED BY events_heads_by_seq
        WHERE is_head = 1 AND not_before_ms <= ? ORDER BY seq LIMIT ?`,
    ),
    earliestHeads: db.prepare<[number], { readonly seq: number; readonly not_before_ms: number }>(
      'SELECT seq, not_before_ms FROM events INDEXED BY events_heads_by_due WHERE is_head = 1 ORDER BY not_before_ms, seq LIMIT ?',
    ),
    oldestUpdatesAfter: db.prepare<[number, number], SeqBytes>(
      "SELECT seq, bytes FROM events INDEXED BY events_updates_by_seq WHERE kind = 'update' AND seq > ? ORDER BY seq LIMIT ?",
    ),
    totalsByKind: db.prepare<[], KindTotals>('SELECT kind, COUNT(*) AS count, TOTAL(bytes) AS bytes FROM events GROUP BY kind'),
    /** The first event in outbox order: seq follows recording order, so no index on created_ms is kept for this. */
    firstCreated: db.prepare<[], { readonly created_ms: number }>('SELECT created_ms FROM events ORDER BY seq LIMIT 1'),

    liveUsername: db.prepare<[string], { readonly username: string }>('SELECT username FROM live_sessions WHERE session_id = ?'),
    upsertLive: db.prepare<[LiveSessionRow], never>(
      `INSERT INTO live_sessions (session_id, username, connected_at_ms, connect_body)
       VALUES (@session_id, @username, @connected_at_ms, @connect_body)
       ON CONFLICT (session_id) DO UPDATE SET
         username = excluded.username, connected_at_ms = excluded.connected_at_ms, connect_body = excluded.connect_body`,
    ),
    deleteLive: db.prepare<[string], never>('DELETE FROM live_sessions WHERE session_id = ?'),
    listLive: db.prepare<[], LiveSessionRow>(
      'SELECT session_id, username, connected_at_ms, connect_body FROM live_sessions ORDER BY connected_at_ms, session_id',
    ),
    countLive: db.prepare<[], { readonly n: number }>('SELECT COUNT(*) AS n FROM live_sessions'),
  };
}

export type OutboxStatements = ReturnType<typeof prepareOutboxStatements>;
