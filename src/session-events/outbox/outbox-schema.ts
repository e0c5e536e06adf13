import type Database from 'better-sqlite3';

/** PRAGMA user_version of the layout below; bump it with a migration when the layout changes. */
export const OUTBOX_SCHEMA_VERSION = 1;

/*
 * events.is_head is 1 for the lowest seq of its session: the only event of a session that
 * may be leased (a session's later events wait for it). It is kept by the INSERT (no other
 * event of the session) and by the trigger below (deleting a head promotes the next one),
 * so lease() and nextDueMs() read small partial indexes instead of grouping the whole table
 * by session on every call; with a deep backlog that grouping would block the event loop
 * that also answers the hook's logins.
 *
 * body holds the event as JSON text; bytes is its UTF-8 length, the payload that
 * events.max_outbox_bytes bounds.
 */
const CREATE_SCHEMA_SQL = `
CREATE TABLE events (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id      TEXT    NOT NULL UNIQUE,
  session_id    TEXT    NOT NULL,
  kind          TEXT    NOT NULL CHECK (kind IN ('connect', 'disconnect', 'update')),
  body          TEXT    NOT NULL,
  bytes         INTEGER NOT NULL,
  created_ms    INTEGER NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before_ms INTEGER NOT NULL,
  is_head       INTEGER NOT NULL
);
CREATE INDEX events_by_session ON events (session_id);
CREATE INDEX events_heads_by_seq ON events (seq, not_before_ms) WHERE is_head = 1;
CREATE INDEX events_heads_by_due ON events (not_before_ms) WHERE is_head = 1;
CREATE INDEX events_updates_by_seq ON events (seq) WHERE kind = 'update';

CREATE TRIGGER events_promote_head AFTER DELETE ON events WHEN old.is_head = 1
BEGIN
  UPDATE events SET is_head = 1
   WHERE seq = (SELECT MIN(seq) FROM events WHERE session_id = old.session_id);
END;

CREATE TABLE live_sessions (
  session_id      TEXT    PRIMARY KEY,
  username        TEXT    NOT NULL,
  connected_at_ms INTEGER NOT NULL,
  connect_body    TEXT    NOT NULL
) WITHOUT ROWID;
`;

/** Why an existing file is not ours to use (it is then moved aside, never altered). */
export interface SchemaRefusal {
  readonly reason: string;
  /** Names the copy aside: `<path>.<suffix>-<timestamp>`. */
  readonly suffix: string;
}

/**
 * Read only, before anything changes the file: an outbox at our version or an empty database
 * pass; a newer version (an agent downgrade) or a foreign database are refused, never migrated blind.
 */
export function outboxSchemaRefusal(db: Database.Database): SchemaRefusal | undefined {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === OUTBOX_SCHEMA_VERSION) return undefined;
  if (version !== 0) {
    return { reason: `schema version ${version}, this agent knows ${OUTBOX_SCHEMA_VERSION}`, suffix: `schema-v${version}` };
  }
  const objects = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
  if (objects.n > 0) return { reason: 'a database that is not an outbox (tables without a schema version)', suffix: 'foreign' };
  return undefined;
}

/** Creates the layout in a database outboxSchemaRefusal() passed; a no-op at our version. */
export function createOutboxSchema(db: Database.Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) === OUTBOX_SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(CREATE_SCHEMA_SQL);
    db.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION}`);
  }).immediate();
}
