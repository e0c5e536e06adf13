import { randomUUID } from 'node:crypto';
import { EventOutbox, type OutboxStats, type RecordOutcome } from '../../../src/session-events/outbox/event-outbox';
import type {
  ConnectEventBody,
  DisconnectEventBody,
  LiveSessionRecord,
  SessionEventBody,
  SessionEventKind,
  StoredEvent,
  UpdateEventBody,
} from '../../../src/session-events/session-event';

interface Row {
  readonly seq: number;
  readonly eventId: string;
  body: SessionEventBody;
  readonly createdAtMs: number;
  attempts: number;
  notBeforeMs: number;
  leased: boolean;
  readonly bytes: number;
}

/**
 * EventOutbox in memory, for unit tests and the drain benchmark: the contract of
 * src/session-events/outbox/event-outbox.ts without SQLite. Per-session head leasing (a
 * session's later events wait for its oldest, a leased head hides the session), not-before
 * times, attempts, the live-session ledger, max bytes with updates dropped first. Leasing is
 * a min-heap of head seqs, so draining 10,000 events stays O(n log n).
 *
 * Test hooks: `leaseCalls`, `deliveredCalls` (one entry per delivered() transaction),
 * `failedCalls`, and `add()` to put an event in without the ledger.
 */
export class InMemoryEventOutbox extends EventOutbox {
  readonly deliveredCalls: number[][] = [];
  readonly failedCalls: Array<{ seq: number; retryAtMs: number }> = [];
  leaseCalls = 0;
  private nextSeq = 1;
  private readonly rows = new Map<number, Row>();
  private readonly sessions = new Map<string, Row[]>();
  private readonly live = new Map<string, LiveSessionRecord>();
  private readonly droppedByKind: Record<SessionEventKind, number> = { connect: 0, disconnect: 0, update: 0 };
  private readonly heads = new SeqHeap();
  private bytes = 0;
  private closed = false;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {
    super();
  }

  recordConnect(body: ConnectEventBody, nowMs: number): RecordOutcome {
    const live = this.live.get(body.sessionId);
    if (live !== undefined && live.username === body.username) return { outcome: 'duplicate' };
    const stored = this.store(body, nowMs, nowMs);
    if (stored.outcome === 'stored') {
      this.live.set(body.sessionId, { sessionId: body.sessionId, username: body.username, connectedAtMs: body.connectedAtMs, connect: body });
    }
    return stored;
  }

  recordDisconnect(body: DisconnectEventBody, nowMs: number, notBeforeMs: number): RecordOutcome {
    if (!this.live.has(body.sessionId)) return { outcome: 'duplicate' };
    const stored = this.store(body, nowMs, notBeforeMs);
    if (stored.outcome === 'stored') this.live.delete(body.sessionId);
    return stored;
  }

  recordUpdate(body: UpdateEventBody, nowMs: number): RecordOutcome {
    if (!this.live.has(body.sessionId)) return { outcome: 'duplicate' };
    const waiting = this.sessions.get(body.sessionId)?.find((row) => row.body.kind === 'update' && !row.leased);
    if (waiting !== undefined) this.remove(waiting);
    return this.store(body, nowMs, nowMs);
  }

  amendPendingDisconnect(sessionId: string, amend: (body: DisconnectEventBody) => DisconnectEventBody, notBeforeMs?: number): boolean {
    const row = this.sessions.get(sessionId)?.find((candidate) => candidate.body.kind === 'disconnect' && !candidate.leased);
    if (row === undefined) return false;
    row.body = amend(row.body as DisconnectEventBody);
    if (notBeforeMs !== undefined) row.notBeforeMs = notBeforeMs;
    return true;
  }

  /** An event straight into the queue (no ledger): for deliverer tests that only care about delivery. */
  add(body: SessionEventBody, nowMs: number, notBeforeMs = nowMs): StoredEvent {
    const stored = this.store(body, nowMs, notBeforeMs);
    if (stored.outcome !== 'stored') throw new Error(`outbox full: ${JSON.stringify(stored)}`);
    return stored.event;
  }

  lease(nowMs: number, limit: number): StoredEvent[] {
    this.assertOpen();
    this.leaseCalls += 1;
    const leased: StoredEvent[] = [];
    const notYet = new Set<number>();
    while (leased.length < limit && this.heads.size > 0) {
      const seq = this.heads.pop() as number;
      const row = this.rows.get(seq);
      if (row === undefined || row.leased || this.sessions.get(row.body.sessionId)?.[0] !== row) continue; // stale heap entry
      if (row.notBeforeMs > nowMs) {
        notYet.add(seq);
        continue;
      }
      row.leased = true;
      leased.push(snapshot(row));
    }
    notYet.forEach((seq) => this.heads.push(seq));
    return leased;
  }

  delivered(seqs: readonly number[]): void {
    this.assertOpen();
    this.deliveredCalls.push([...seqs]);
    for (const seq of seqs) {
      const row = this.rows.get(seq);
      if (row !== undefined) this.remove(row);
    }
  }

  failed(seq: number, retryAtMs: number): void {
    this.assertOpen();
    this.failedCalls.push({ seq, retryAtMs });
    const row = this.rows.get(seq);
    if (row === undefined) return;
    row.attempts += 1;
    row.notBeforeMs = retryAtMs;
    row.leased = false;
    this.heads.push(seq);
  }

  nextDueMs(): number | undefined {
    this.assertOpen();
    let earliest: number | undefined;
    for (const row of this.rows.values()) {
      if (!row.leased && (earliest === undefined || row.notBeforeMs < earliest)) earliest = row.notBeforeMs;
    }
    return earliest;
  }

  liveSessions(): LiveSessionRecord[] {
    return [...this.live.values()];
  }

  stats(): OutboxStats {
    this.assertOpen();
    const pendingByKind: Record<SessionEventKind, number> = { connect: 0, disconnect: 0, update: 0 };
    let oldest: number | undefined;
    for (const row of this.rows.values()) {
      pendingByKind[row.body.kind] += 1;
      if (oldest === undefined || row.createdAtMs < oldest) oldest = row.createdAtMs;
    }
    return {
      pending: this.rows.size,
      pendingByKind,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      oldestCreatedAtMs: oldest,
      droppedByKind: { ...this.droppedByKind },
      corruptSkipped: 0,
      liveSessions: this.live.size,
    };
  }

  close(): void {
    this.closed = true;
  }

  /** Every undelivered event, in seq order (leased ones included). */
  pendingEvents(): StoredEvent[] {
    return [...this.rows.values()].sort((a, b) => a.seq - b.seq).map(snapshot);
  }

  isLeased(seq: number): boolean {
    return this.rows.get(seq)?.leased === true;
  }

  private store(body: SessionEventBody, nowMs: number, notBeforeMs: number): RecordOutcome {
    const bytes = Buffer.byteLength(JSON.stringify(body));
    this.makeRoom(bytes);
    if (this.bytes + bytes > this.maxBytes) {
      this.droppedByKind[body.kind] += 1;
      return { outcome: 'dropped', reason: `outbox full (${this.bytes} of ${this.maxBytes} bytes)` };
    }
    const row: Row = { seq: this.nextSeq++, eventId: randomUUID(), body, createdAtMs: nowMs, attempts: 0, notBeforeMs, leased: false, bytes };
    this.rows.set(row.seq, row);
    this.bytes += bytes;
    const queue = this.sessions.get(body.sessionId);
    if (queue === undefined) {
      this.sessions.set(body.sessionId, [row]);
      this.heads.push(row.seq);
    } else {
      queue.push(row);
    }
    return { outcome: 'stored', event: snapshot(row) };
  }

  /** Usage updates go first when the outbox is full (they are superseded by the next one anyway). */
  private makeRoom(bytes: number): void {
    if (this.bytes + bytes <= this.maxBytes) return;
    for (const row of [...this.rows.values()]) {
      if (this.bytes + bytes <= this.maxBytes) return;
      if (row.body.kind === 'update' && !row.leased) {
        this.remove(row);
        this.droppedByKind.update += 1;
      }
    }
  }

  private remove(row: Row): void {
    this.rows.delete(row.seq);
    this.bytes -= row.bytes;
    const queue = this.sessions.get(row.body.sessionId);
    if (queue === undefined) return;
    const index = queue.indexOf(row);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.sessions.delete(row.body.sessionId);
    else if (index === 0) this.heads.push((queue[0] as Row).seq);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the outbox is closed');
  }
}

function snapshot(row: Row): StoredEvent {
  return { seq: row.seq, eventId: row.eventId, body: row.body, createdAtMs: row.createdAtMs, attempts: row.attempts, notBeforeMs: row.notBeforeMs };
}

/** A binary min-heap of seqs. */
class SeqHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(seq: number): void {
    const items = this.items;
    items.push(seq);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as number) <= seq) break;
      items[i] = items[parent] as number;
      i = parent;
    }
    items[i] = seq;
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
      if ((items[child] as number) >= last) break;
      items[i] = items[child] as number;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
