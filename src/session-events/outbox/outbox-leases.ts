import type { SessionEventKind } from '../session-event';

export interface OutboxLease {
  readonly seq: number;
  readonly sessionId: string;
  readonly kind: SessionEventKind;
  readonly bytes: number;
}

/**
 * Events handed to the deliverer and not yet reported back. In memory on purpose: after a
 * restart nothing is in flight, so every undelivered event is eligible again (the portal
 * dedupes re-sends by event id). A leased event is always its session's head, so "this
 * session has a leased event" and "this head is leased" are the same question.
 */
export class OutboxLeases {
  private readonly bySeq = new Map<number, OutboxLease>();
  private readonly seqBySession = new Map<string, number>();

  add(lease: OutboxLease): void {
    this.bySeq.set(lease.seq, lease);
    this.seqBySession.set(lease.sessionId, lease.seq);
  }

  release(seq: number): void {
    const lease = this.bySeq.get(seq);
    if (lease === undefined) return;
    this.bySeq.delete(seq);
    if (this.seqBySession.get(lease.sessionId) === seq) this.seqBySession.delete(lease.sessionId);
  }

  has(seq: number): boolean {
    return this.bySeq.has(seq);
  }

  seqOfSession(sessionId: string): number | undefined {
    return this.seqBySession.get(sessionId);
  }

  bytesOf(kind: SessionEventKind): number {
    let total = 0;
    for (const lease of this.bySeq.values()) if (lease.kind === kind) total += lease.bytes;
    return total;
  }

  get size(): number {
    return this.bySeq.size;
  }

  clear(): void {
    this.bySeq.clear();
    this.seqBySession.clear();
  }
}
