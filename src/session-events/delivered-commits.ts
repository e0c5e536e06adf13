import type { EventOutbox } from './outbox/event-outbox';

/**
 * Delivered seqs are committed in batches, one outbox transaction each: at this many, or
 * FLUSH_INTERVAL_MS after the first one waiting, or when the deliverer asks (no call is out,
 * stop). A session's next event waits for its head's commit (the outbox leases heads only),
 * so the interval is the most a busy session's next event waits. Measured: 10,000 events in
 * about 160 transactions (bench/outbox-drain.bench.ts).
 */
export const FLUSH_BATCH_SIZE = 64;
export const FLUSH_INTERVAL_MS = 20;

export interface DeliveredCommitsListener {
  /** A batch committed: those sessions' next events can be leased. */
  committed(count: number): void;
  /** The outbox refused the batch; its seqs wait for the next commit. */
  commitFailed(error: unknown, count: number): void;
}

/** The delivered seqs waiting for their outbox commit. */
export class DeliveredCommits {
  private seqs: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly listener: DeliveredCommitsListener,
  ) {}

  get waiting(): number {
    return this.seqs.length;
  }

  get full(): boolean {
    return this.seqs.length >= FLUSH_BATCH_SIZE;
  }

  add(seq: number): void {
    this.seqs.push(seq);
    if (this.full) this.commit();
    else this.commitSoon();
  }

  /** Commits everything waiting now, in one transaction. */
  commit(): void {
    this.cancelTimer();
    if (this.seqs.length === 0) return;
    const seqs = this.seqs;
    this.seqs = [];
    try {
      this.outbox.delivered(seqs);
    } catch (error) {
      this.seqs = seqs.concat(this.seqs);
      this.listener.commitFailed(error, seqs.length);
      return;
    }
    this.listener.committed(seqs.length);
  }

  cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private commitSoon(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.commit();
    }, FLUSH_INTERVAL_MS);
    this.timer.unref();
  }
}
