import type Database from 'better-sqlite3';
import { Logger, type LoggerService } from '@nestjs/common';
import type { EventsConfig } from '../../config/agent-config.schema';
import type {
  ConnectEventBody,
  DisconnectEventBody,
  LiveSessionRecord,
  SessionEventBody,
  SessionEventKind,
  StoredEvent,
  UpdateEventBody,
} from '../session-event';
import { EventOutbox, type OutboxStats, type RecordOutcome } from './event-outbox';
import { OutboxBudget } from './outbox-budget';
import { OutboxCheckpointer } from './outbox-checkpointer';
import { openOutboxDatabase, type OutboxSynchronous } from './outbox-database';
import { OutboxDropLog } from './outbox-drop-log';
import { OutboxEventTable } from './outbox-event-table';
import { OutboxLeases } from './outbox-leases';
import { parseStoredBody, parseStoredConnect, serializeBody, toStoredEvent } from './outbox-rows';
import { prepareOutboxStatements, type EventRow, type OutboxStatements } from './outbox-statements';

export interface SqliteEventOutboxOptions {
  /** events.outbox_path: its directory must exist. */
  readonly path: string;
  /** events.max_outbox_bytes: payload bytes (the JSON bodies) held at most. */
  readonly maxBytes: number;
  /** events.synchronous: normal survives kill -9; full also a power loss, one fsync per commit. */
  readonly synchronous: OutboxSynchronous;
}

/** What a write transaction did, so drops are counted and logged only after it committed. */
interface Written<T> {
  readonly result: T;
  /** Waiting updates evicted to make room. */
  readonly evicted: number;
  /** The call's own event was dropped. */
  readonly droppedOwn?: SessionEventKind;
}

/**
 * The EventOutbox on one SQLite file (WAL). Every record* call is one IMMEDIATE transaction of
 * a few prepared statements. The ledger of live sessions (table live_sessions) holds at most
 * the sessions ocserv has live and is not counted in max_outbox_bytes; only event bodies are.
 *
 * When full: an update is dropped; a connect or disconnect evicts the oldest waiting (unleased)
 * updates, and is dropped only when even evicting every one of them would not make room (then
 * none is evicted). Its ledger change commits either way, so a later end still finds the
 * session live and a later connect of the same id is not taken for a duplicate.
 *
 * A connect for a session id the ledger holds for another username replaces that ledger row
 * and stores the new connect; no end is recorded for the other user's session (ocserv reusing
 * a live id for another user is not expected, and a made-up end would be a guess).
 */
export class SqliteEventOutbox extends EventOutbox {
  private readonly db: Database.Database;
  private readonly statements: OutboxStatements;
  private readonly budget: OutboxBudget;
  private readonly drops: OutboxDropLog;
  private readonly leases = new OutboxLeases();
  private readonly events: OutboxEventTable;
  private readonly checkpointer: OutboxCheckpointer;
  private readonly immediate: <T>(work: () => T) => T;
  private corruptSkipped = 0;

  constructor(
    options: SqliteEventOutboxOptions,
    private readonly logger: LoggerService = new Logger(SqliteEventOutbox.name),
  ) {
    super();
    const opened = openOutboxDatabase(options, logger, (db) => {
      const statements = prepareOutboxStatements(db);
      // Both read through their whole table, so damage found here moves the file aside now, not on a login.
      statements.countLive.get();
      return { statements, totals: statements.totalsByKind.all() };
    });
    this.db = opened.db;
    this.statements = opened.loaded.statements;
    this.budget = new OutboxBudget(options.maxBytes);
    this.budget.reset(opened.loaded.totals);
    this.events = new OutboxEventTable(this.statements, this.budget, this.leases);
    this.drops = new OutboxDropLog(logger);
    this.checkpointer = new OutboxCheckpointer(options.path, options.synchronous, logger);
    const transaction = this.db.transaction((work: () => unknown) => work());
    this.immediate = <T>(work: () => T): T => transaction.immediate(work) as T;
  }

  static fromConfig(config: EventsConfig, logger?: LoggerService): SqliteEventOutbox {
    return new SqliteEventOutbox(
      { path: config.outbox_path, maxBytes: config.max_outbox_bytes, synchronous: config.synchronous },
      logger,
    );
  }

  recordConnect(body: ConnectEventBody, nowMs: number): RecordOutcome {
    const { json, bytes } = serializeBody(body);
    return this.write((): Written<RecordOutcome> => {
      if (this.isLive(body.sessionId, body.username)) return { result: { outcome: 'duplicate' }, evicted: 0 };
      this.statements.upsertLive.run({
        session_id: body.sessionId,
        username: body.username,
        connected_at_ms: body.connectedAtMs,
        connect_body: json,
      });
      return this.storeOrDrop(body, json, bytes, nowMs, nowMs);
    });
  }

  recordDisconnect(body: DisconnectEventBody, nowMs: number, notBeforeMs: number): RecordOutcome {
    const { json, bytes } = serializeBody(body);
    return this.write((): Written<RecordOutcome> => {
      if (!this.isLive(body.sessionId, body.username)) return { result: { outcome: 'duplicate' }, evicted: 0 };
      this.statements.deleteLive.run(body.sessionId);
      return this.storeOrDrop(body, json, bytes, nowMs, notBeforeMs);
    });
  }

  recordUpdate(body: UpdateEventBody, nowMs: number): RecordOutcome {
    const { json, bytes } = serializeBody(body);
    return this.write((): Written<RecordOutcome> => {
      if (!this.isLive(body.sessionId, body.username)) return { result: { outcome: 'duplicate' }, evicted: 0 };
      // A leased update is on the wire and stays; the waiting one is superseded. Delete + insert
      // (not an in-place rewrite) gives the new one the highest seq, behind anything recorded meanwhile.
      const leasedSeq = this.leases.seqOfSession(body.sessionId);
      const waiting = this.statements.updatesOfSession.all(body.sessionId).filter((row) => row.seq !== leasedSeq);
      const freed = waiting.reduce((sum, row) => sum + row.bytes, 0);
      if (!this.budget.fits(bytes - freed)) {
        return { result: this.dropped(body, bytes), evicted: 0, droppedOwn: 'update' };
      }
      for (const row of waiting) this.events.delete(row.seq);
      return { result: { outcome: 'stored', event: this.events.insert(body, json, bytes, nowMs, nowMs) }, evicted: 0 };
    });
  }

  /**
   * Only the session's latest disconnect is a candidate. false also when the amended body would
   * not fit in max_outbox_bytes even after evicting waiting updates: the stored one then stays as it was.
   */
  amendPendingDisconnect(
    sessionId: string,
    amend: (body: DisconnectEventBody) => DisconnectEventBody,
    notBeforeMs?: number,
  ): boolean {
    return this.write((): Written<boolean> => {
      const row = this.statements.latestDisconnectOfSession.get(sessionId);
      if (row === undefined || this.leases.has(row.seq)) return { result: false, evicted: 0 };
      const stored = this.readBody(row);
      if (stored === undefined) return { result: false, evicted: 0 };
      const amended = amend(stored as DisconnectEventBody);
      if (amended.kind !== 'disconnect' || amended.sessionId !== sessionId) {
        throw new Error(`amendPendingDisconnect: the amended body must stay the disconnect of session ${JSON.stringify(sessionId)}`);
      }
      const { json, bytes } = serializeBody(amended);
      const room = this.events.makeRoom(bytes - row.bytes);
      if (!room.fits) return { result: false, evicted: room.evicted };
      this.events.rewriteDisconnect(row.seq, row.bytes, json, bytes, notBeforeMs ?? row.not_before_ms);
      return { result: true, evicted: room.evicted };
    });
  }

  lease(nowMs: number, limit: number): StoredEvent[] {
    const leased: StoredEvent[] = [];
    while (leased.length < limit) {
      // Leased heads are still heads and come back from the query; ask for that many more.
      const rows = this.statements.dueHeads.all(nowMs, limit - leased.length + this.leases.size);
      let skippedCorrupt = false;
      for (const row of rows) {
        if (leased.length === limit) break;
        if (this.leases.has(row.seq)) continue;
        const body = this.readBody(row);
        if (body === undefined) {
          skippedCorrupt = true;
          continue;
        }
        this.leases.add({ seq: row.seq, sessionId: row.session_id, kind: body.kind, bytes: row.bytes });
        leased.push(toStoredEvent(row, body));
      }
      // Removing a corrupt head promoted its session's next event, which may be due: look again.
      if (!skippedCorrupt) break;
    }
    return leased;
  }

  delivered(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.write((): Written<void> => {
      for (const seq of seqs) this.events.delete(seq);
      return { result: undefined, evicted: 0 };
    });
    for (const seq of seqs) this.leases.release(seq);
  }

  failed(seq: number, retryAtMs: number): void {
    this.statements.markFailed.run(retryAtMs, seq);
    this.leases.release(seq);
  }

  /** Only events lease() could hand out count: a session's later events wait for its head. */
  nextDueMs(): number | undefined {
    const heads = this.statements.earliestHeads.all(this.leases.size + 1);
    return heads.find((head) => !this.leases.has(head.seq))?.not_before_ms;
  }

  liveSessions(): LiveSessionRecord[] {
    const live: LiveSessionRecord[] = [];
    for (const row of this.statements.listLive.all()) {
      const connect = parseStoredConnect(row.connect_body);
      if (connect === undefined) {
        this.statements.deleteLive.run(row.session_id);
        this.countCorrupt('live_sessions', row.session_id);
        continue;
      }
      live.push({ sessionId: row.session_id, username: row.username, connectedAtMs: row.connected_at_ms, connect });
    }
    return live;
  }

  stats(): OutboxStats {
    return {
      pending: this.budget.pending(),
      pendingByKind: this.budget.pendingByKind(),
      bytes: this.budget.heldBytes(),
      maxBytes: this.budget.maxBytes,
      oldestCreatedAtMs: this.statements.firstCreated.get()?.created_ms,
      droppedByKind: this.drops.byKind(),
      corruptSkipped: this.corruptSkipped,
      liveSessions: this.statements.countLive.get()?.n ?? 0,
    };
  }

  close(): void {
    this.leases.clear();
    this.checkpointer.stop();
    if (this.db.open) this.db.close();
  }

  /** One IMMEDIATE transaction (the write lock up front: no upgrade from a read that could meet SQLITE_BUSY). */
  private write<T>(work: () => Written<T>): T {
    let written: Written<T>;
    try {
      written = this.immediate(work);
    } catch (error) {
      this.events.recount();
      throw error;
    }
    const detail = `events.max_outbox_bytes ${this.budget.maxBytes} reached`;
    this.drops.dropped('update', written.evicted, `${detail}; oldest waiting updates evicted for a connect or disconnect`);
    if (written.droppedOwn !== undefined) this.drops.dropped(written.droppedOwn, 1, detail);
    return written.result;
  }

  private storeOrDrop(
    body: ConnectEventBody | DisconnectEventBody,
    json: string,
    bytes: number,
    nowMs: number,
    notBeforeMs: number,
  ): Written<RecordOutcome> {
    const room = this.events.makeRoom(bytes);
    if (!room.fits) return { result: this.dropped(body, bytes), evicted: 0, droppedOwn: body.kind };
    return { result: { outcome: 'stored', event: this.events.insert(body, json, bytes, nowMs, notBeforeMs) }, evicted: room.evicted };
  }

  private isLive(sessionId: string, username: string): boolean {
    return this.statements.liveUsername.get(sessionId)?.username === username;
  }

  private dropped(body: SessionEventBody, bytes: number): RecordOutcome {
    return {
      outcome: 'dropped',
      reason:
        `outbox full: ${body.kind} of ${bytes} bytes does not fit in ` +
        `events.max_outbox_bytes ${this.budget.maxBytes} (${this.budget.heldBytes()} held)`,
    };
  }

  /** The row's body, or undefined after removing and counting a row that cannot be read. */
  private readBody(row: EventRow): SessionEventBody | undefined {
    const body = parseStoredBody(row.kind, row.body);
    if (body === undefined) {
      this.events.delete(row.seq);
      this.countCorrupt('events', String(row.seq));
    }
    return body;
  }

  private countCorrupt(table: string, key: string): void {
    this.corruptSkipped += 1;
    this.logger.warn({ msg: 'event outbox row unreadable, removed', table, key, corrupt_skipped_total: this.corruptSkipped });
  }
}
