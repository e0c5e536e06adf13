import { randomUUID } from 'node:crypto';
import type { SessionEventBody, StoredEvent } from '../session-event';
import type { OutboxBudget } from './outbox-budget';
import type { OutboxLeases } from './outbox-leases';
import { OUTBOX_EVICTION_BATCH } from './outbox-limits.constant';
import type { OutboxStatements } from './outbox-statements';

export interface Room {
  readonly fits: boolean;
  /** Waiting updates deleted to make it. */
  readonly evicted: number;
}

/**
 * The events table with its byte accounting: every insert, delete and rewrite of an event goes
 * through here, so OutboxBudget always matches the rows (callers run these inside a transaction).
 */
export class OutboxEventTable {
  constructor(
    private readonly statements: OutboxStatements,
    private readonly budget: OutboxBudget,
    private readonly leases: OutboxLeases,
  ) {}

  insert(body: SessionEventBody, json: string, bytes: number, nowMs: number, notBeforeMs: number): StoredEvent {
    const eventId = randomUUID();
    const { lastInsertRowid } = this.statements.insertEvent.run({
      eventId,
      sessionId: body.sessionId,
      kind: body.kind,
      body: json,
      bytes,
      createdMs: nowMs,
      notBeforeMs,
    });
    this.budget.added(body.kind, bytes);
    return { seq: Number(lastInsertRowid), eventId, body, createdAtMs: nowMs, attempts: 0, notBeforeMs };
  }

  delete(seq: number): void {
    const removed = this.statements.deleteEvent.get(seq);
    if (removed !== undefined) this.budget.removed(removed.kind, removed.bytes);
  }

  rewriteDisconnect(seq: number, oldBytes: number, json: string, bytes: number, notBeforeMs: number): void {
    this.statements.rewriteBody.run(json, bytes, notBeforeMs, seq);
    this.budget.removed('disconnect', oldBytes);
    this.budget.added('disconnect', bytes);
  }

  /**
   * Evicts the oldest waiting (unleased) updates until `extraBytes` fit. Evicts nothing when even
   * all of them would not be enough: the event is dropped then, and the updates may as well be sent.
   */
  makeRoom(extraBytes: number): Room {
    if (this.budget.fits(extraBytes)) return { fits: true, evicted: 0 };
    const evictable = this.budget.bytesOf('update') - this.leases.bytesOf('update');
    if (!this.budget.fits(extraBytes - evictable)) return { fits: false, evicted: 0 };
    let evicted = 0;
    let afterSeq = 0;
    while (!this.budget.fits(extraBytes)) {
      const batch = this.statements.oldestUpdatesAfter.all(afterSeq, OUTBOX_EVICTION_BATCH);
      if (batch.length === 0) break;
      for (const row of batch) {
        afterSeq = row.seq;
        if (this.leases.has(row.seq)) continue;
        this.delete(row.seq);
        evicted += 1;
        if (this.budget.fits(extraBytes)) break;
      }
    }
    return { fits: this.budget.fits(extraBytes), evicted };
  }

  /** After a rollback: the in-memory totals may count rows that are not there. */
  recount(): void {
    this.budget.reset(this.statements.totalsByKind.all());
  }
}
