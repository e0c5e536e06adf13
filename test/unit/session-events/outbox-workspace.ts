import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventOutbox, type SqliteEventOutboxOptions } from '../../../src/session-events/outbox/sqlite-event-outbox';
import type { RecordOutcome } from '../../../src/session-events/outbox/event-outbox';
import type { StoredEvent } from '../../../src/session-events/session-event';
import { RecordingLogger } from '../builders/recording-logger';

export const ROOMY_OUTBOX_BYTES = 64 * 1024 * 1024;
/** Far in the future: everything recorded is due. */
export const EVERYTHING_DUE_MS = Number.MAX_SAFE_INTEGER;

/**
 * A fresh temp directory with an outbox file path in it; every outbox and raw connection opened
 * through it is closed, and the directory removed, by dispose().
 */
export class OutboxWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'event-outbox-'));
  readonly path = join(this.dir, 'events.db');
  readonly logger = new RecordingLogger();
  private readonly closers: Array<() => void> = [];

  open(options: Partial<SqliteEventOutboxOptions> = {}): SqliteEventOutbox {
    const outbox = new SqliteEventOutbox(
      { path: this.path, maxBytes: ROOMY_OUTBOX_BYTES, synchronous: 'normal', ...options },
      this.logger,
    );
    this.closers.push(() => outbox.close());
    return outbox;
  }

  /** A plain connection to the same file, for what the outbox would never do (damage a row). */
  raw(): Database.Database {
    const db = new Database(this.path, { fileMustExist: true });
    this.closers.push(() => db.close());
    return db;
  }

  dispose(): void {
    for (const close of this.closers.splice(0)) close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Leases and delivers until nothing is left: every event, each session in order. */
export function drain(outbox: SqliteEventOutbox, nowMs = EVERYTHING_DUE_MS): StoredEvent[] {
  const all: StoredEvent[] = [];
  for (;;) {
    const batch = outbox.lease(nowMs, 1_000);
    if (batch.length === 0) return all;
    all.push(...batch);
    outbox.delivered(batch.map((event) => event.seq));
  }
}

/** The event a record* call stored; fails the test on any other outcome. */
export function storedEvent(outcome: RecordOutcome): StoredEvent {
  if (outcome.outcome !== 'stored') throw new Error(`expected stored, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}
