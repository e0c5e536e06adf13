import type { ConnectEventBody, SessionEventBody, StoredEvent } from '../session-event';
import type { EventRow } from './outbox-statements';

/**
 * The stored JSON back as a body, or undefined when it is unreadable (does not parse, or is not
 * an event of the row's kind). SQLite's checksums already roll back a torn WAL tail; this is
 * the second line for anything else that damaged a row, which is then skipped, not fatal.
 */
export function parseStoredBody(kind: string, text: string): SessionEventBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { kind?: unknown }).kind !== kind) return undefined;
  return parsed as SessionEventBody;
}

export function parseStoredConnect(text: string): ConnectEventBody | undefined {
  return parseStoredBody('connect', text) as ConnectEventBody | undefined;
}

export function toStoredEvent(row: EventRow, body: SessionEventBody): StoredEvent {
  return {
    seq: row.seq,
    eventId: row.event_id,
    body,
    createdAtMs: row.created_ms,
    attempts: row.attempts,
    notBeforeMs: row.not_before_ms,
  };
}

/** The JSON the outbox stores and the payload size max_outbox_bytes counts. */
export function serializeBody(body: SessionEventBody): { readonly json: string; readonly bytes: number } {
  const json = JSON.stringify(body);
  return { json, bytes: Buffer.byteLength(json, 'utf8') };
}
