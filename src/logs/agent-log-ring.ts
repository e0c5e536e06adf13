import { Inject, Injectable, Optional } from '@nestjs/common';
import { stringHeapBytes } from '../memory/heap-size';
import { compactAgentLogLine } from './agent-log-line.parser';

export const AGENT_LOG_RING_CAPACITY = Symbol('AGENT_LOG_RING_CAPACITY');
export const DEFAULT_AGENT_LOG_RING_CAPACITY = 5_000;
/** A longer line (a huge logged object) is stored already parsed and capped, so the ring's memory stays bounded. */
export const MAX_RAW_AGENT_LOG_LINE_CHARS = 64 * 1024;
export const AGENT_LOG_RING_MAX_BYTES = Symbol('AGENT_LOG_RING_MAX_BYTES');
/**
 * The ring's lines together, in heap bytes (memory/heap-size.ts): 5,000 lines of 64 KiB
 * would be 320-640 MiB; real lines are ~300-600 bytes (~3 MiB for 5,000), so past this
 * the oldest lines go even before the count is reached.
 */
export const DEFAULT_AGENT_LOG_RING_MAX_BYTES = 16 * 1024 * 1024;
/** A record object beyond its line. */
const RECORD_BYTES = 32;

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
  /** Heap bytes of each slot's record, and their sum. */
  private readonly slotBytes: number[];
  private bytes = 0;
  private readonly listeners = new Set<AgentLogListener>();
  /** Index of the oldest record. */
  private head = 0;
  private count = 0;
  private nextSeq = 1;

  constructor(
    @Optional() @Inject(AGENT_LOG_RING_CAPACITY) readonly capacity: number = DEFAULT_AGENT_LOG_RING_CAPACITY,
    @Optional() @Inject(AGENT_LOG_RING_MAX_BYTES) readonly maxBytes: number = DEFAULT_AGENT_LOG_RING_MAX_BYTES,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`agent log ring capacity must be a positive integer, got ${capacity}`);
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`agent log ring byte budget must be a positive integer, got ${maxBytes}`);
    }
    this.slots = new Array<AgentLogRecord | undefined>(capacity);
    this.slotBytes = new Array<number>(capacity).fill(0);
  }

  get size(): number {
    return this.count;
  }

  /** Heap bytes of the stored lines (at most maxBytes, but the newest line is always kept). */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Stores one serialized line (a trailing newline is dropped), evicting the oldest when full, and tells listeners. */
  append(line: string): void {
    const trimmed = line.endsWith('\n') ? line.slice(0, -1) : line;
    const raw = trimmed.length > MAX_RAW_AGENT_LOG_LINE_CHARS ? compactAgentLogLine(trimmed) : trimmed;
    if (raw === undefined) return;
    const record: AgentLogRecord = { seq: this.nextSeq, raw };
    this.nextSeq += 1;
    if (this.count === this.capacity) this.dropOldest();
    const slot = (this.head + this.count) % this.capacity;
    this.slots[slot] = record;
    this.slotBytes[slot] = RECORD_BYTES + stringHeapBytes(raw);
    this.bytes += this.slotBytes[slot];
    this.count += 1;
    while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest();
    for (const listener of this.listeners) {
      // This runs inside a logger call: a failing reader must never make logging throw.
      try {
        listener(record);
      } catch {
        /* the reader's own problem; it cannot be logged from here without recursing */
      }
    }
  }

  private dropOldest(): void {
    this.bytes -= this.slotBytes[this.head] ?? 0;
    this.slots[this.head] = undefined;
    this.slotBytes[this.head] = 0;
    this.head = (this.head + 1) % this.capacity;
    this.count -= 1;
  }

  /** The stored records, oldest first. */
  snapshot(): AgentLogRecord[] {
    const records: AgentLogRecord[] = [];
    for (let i = 0; i < this.count; i += 1) {
      records.push(this.slots[(this.head + i) % this.capacity] as AgentLogRecord);
    }
    return records;
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
}
