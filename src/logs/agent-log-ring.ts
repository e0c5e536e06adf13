import { Inject, Injectable, Optional } from '@nestjs/common';
import { compactAgentLogLine } from './agent-log-line.parser';

export const AGENT_LOG_RING_CAPACITY = Symbol('AGENT_LOG_RING_CAPACITY');
export const AGENT_LOG_RING_MAX_CHARS = Symbol('AGENT_LOG_RING_MAX_CHARS');
export const DEFAULT_AGENT_LOG_RING_CAPACITY = 5_000;
/** A longer line (a huge logged object) is stored already parsed and capped, so the ring's memory stays bounded. */
export const MAX_RAW_AGENT_LOG_LINE_CHARS = 64 * 1024;
/**
 * All stored lines together: past it the oldest go even before the count is
 * reached. Without it 5,000 capped lines could hold 5,000 x 64 Ki characters
 * (~320 MB, twice that for non-Latin-1 text); agent log lines are ~300 bytes,
 * so 8 Mi characters keeps the full 5,000 normal lines and at most ~16 MB.
 */
export const MAX_AGENT_LOG_RING_CHARS = 8 * 1024 * 1024;

/** One agent log line as pino serialized it; `seq` orders lines and tells a live line from one already replayed. */
export interface AgentLogRecord {
  readonly seq: number;
  readonly raw: string;
}

export type AgentLogListener = (record: AgentLogRecord) => void;

/**
 * The agent's last N log lines, fed by pino's streamWrite hook (see
 * logging.module.ts), plus listeners for live delivery. Lines are kept as
 * serialized JSON and parsed only when someone reads them: logging stays cheap
 * and nobody pays for lines no one asks for. Only lines pino actually writes
 * arrive here, so the ring holds what `log.level` lets through.
 */
@Injectable()
export class AgentLogRing {
  private readonly slots: Array<AgentLogRecord | undefined>;
  private readonly listeners = new Set<AgentLogListener>();
  /** Index of the oldest record. */
  private head = 0;
  private count = 0;
  private nextSeq = 1;
  private storedChars = 0;

  constructor(
    @Optional() @Inject(AGENT_LOG_RING_CAPACITY) readonly capacity: number = DEFAULT_AGENT_LOG_RING_CAPACITY,
    @Optional() @Inject(AGENT_LOG_RING_MAX_CHARS) readonly maxChars: number = MAX_AGENT_LOG_RING_CHARS,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`agent log ring capacity must be a positive integer, got ${capacity}`);
    }
    this.slots = new Array<AgentLogRecord | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Stores one serialized line (a trailing newline is dropped), evicting the oldest when full, and tells listeners. */
  append(line: string): void {
    const trimmed = line.endsWith('\n') ? line.slice(0, -1) : line;
    const raw = trimmed.length > MAX_RAW_AGENT_LOG_LINE_CHARS ? compactAgentLogLine(trimmed) : trimmed;
    if (raw === undefined) return;
    const record: AgentLogRecord = { seq: this.nextSeq, raw };
    this.nextSeq += 1;
    if (this.count === this.capacity) this.evictOldest();
    while (this.count > 0 && this.storedChars + raw.length > this.maxChars) this.evictOldest();
    this.slots[(this.head + this.count) % this.capacity] = record;
    this.count += 1;
    this.storedChars += raw.length;
    for (const listener of this.listeners) {
      // This runs inside a logger call: a failing reader must never make logging throw.
      try {
        listener(record);
      } catch {
        /* the reader's own problem; it cannot be logged from here without recursing */
      }
    }
  }

  /** The stored records, oldest first. */
  snapshot(): AgentLogRecord[] {
    const records: AgentLogRecord[] = [];
    for (let i = 0; i < this.count; i += 1) {
      records.push(this.slots[(this.head + i) % this.capacity] as AgentLogRecord);
    }
    return records;
  }

  /** Characters held by the stored lines (bounded by maxChars). */
  get chars(): number {
    return this.storedChars;
  }

  /** The seq of the oldest stored record; newestSeq + 1 when the ring is empty. */
  get oldestSeq(): number {
    return this.nextSeq - this.count;
  }

  /** The seq of the newest record appended so far (0 before the first). */
  get newestSeq(): number {
    return this.nextSeq - 1;
  }

  /** The record numbered `seq`, or undefined when it was evicted or is not appended yet. Readers walk seqs instead of copying the ring. */
  at(seq: number): AgentLogRecord | undefined {
    const offset = seq - this.oldestSeq;
    if (offset < 0 || offset >= this.count) return undefined;
    return this.slots[(this.head + offset) % this.capacity];
  }

  /** Calls `listener` with every record appended from now on; returns the function that stops it. */
  listen(listener: AgentLogListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private evictOldest(): void {
    const oldest = this.slots[this.head];
    this.storedChars -= oldest?.raw.length ?? 0;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count -= 1;
  }
}
