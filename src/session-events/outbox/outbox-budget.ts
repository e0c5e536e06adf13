import type { SessionEventKind } from '../session-event';

export interface KindTotals {
  readonly kind: string;
  readonly count: number;
  readonly bytes: number;
}

const KINDS: readonly SessionEventKind[] = ['connect', 'disconnect', 'update'];

function zeroByKind(): Record<SessionEventKind, number> {
  return { connect: 0, disconnect: 0, update: 0 };
}

/**
 * What the outbox holds, per kind, kept in memory so the hot path checks events.max_outbox_bytes
 * without a SUM over the table. Loaded from the table on open; every insert and delete of an
 * event reports here (deletes through RETURNING, so the numbers are the stored ones).
 */
export class OutboxBudget {
  private readonly counts = zeroByKind();
  private readonly bytes = zeroByKind();

  constructor(readonly maxBytes: number) {}

  reset(totals: readonly KindTotals[]): void {
    for (const kind of KINDS) {
      this.counts[kind] = 0;
      this.bytes[kind] = 0;
    }
    for (const total of totals) {
      if (!isKind(total.kind)) continue;
      this.counts[total.kind] = total.count;
      this.bytes[total.kind] = total.bytes;
    }
  }

  added(kind: SessionEventKind, bytes: number): void {
    this.counts[kind] += 1;
    this.bytes[kind] += bytes;
  }

  removed(kind: string, bytes: number): void {
    if (!isKind(kind)) return;
    this.counts[kind] -= 1;
    this.bytes[kind] -= bytes;
  }

  /** True when `extraBytes` more (negative: fewer) stay within maxBytes. */
  fits(extraBytes: number): boolean {
    return this.heldBytes() + extraBytes <= this.maxBytes;
  }

  heldBytes(): number {
    return this.bytes.connect + this.bytes.disconnect + this.bytes.update;
  }

  bytesOf(kind: SessionEventKind): number {
    return this.bytes[kind];
  }

  pending(): number {
    return this.counts.connect + this.counts.disconnect + this.counts.update;
  }

  pendingByKind(): Record<SessionEventKind, number> {
    return { ...this.counts };
  }
}

export function isKind(kind: string): kind is SessionEventKind {
  return (KINDS as readonly string[]).includes(kind);
}
