import { EVENT_METHODS, type PortalMethod } from './portal-protos.constant';

/** One request the simulator received (before any switch decided its fate). */
export interface RecordedCall {
  readonly method: PortalMethod;
  /** Milliseconds since the Unix epoch. */
  readonly receivedAtMs: number;
  /** First CN of the caller's client certificate; undefined without one (insecure mode). */
  readonly callerCn: string | undefined;
  /** As proto-loader decodes it: proto field names, enums as names, Timestamps as {seconds, nanos}. */
  readonly request: Readonly<Record<string, unknown>>;
  /** The error-rate switch failed this call: the portal saw it, but answered UNAVAILABLE. */
  readonly simulatedError: boolean;
}

/** Newest records kept; older ones are dropped so a long benchmark cannot exhaust memory. Counts stay exact. */
export const DEFAULT_MAX_RECORDS = 100_000;

const EVENTS: ReadonlySet<PortalMethod> = new Set(EVENT_METHODS);

/** What the simulator received, in arrival order. */
export class SimulatorRecords {
  private records: RecordedCall[] = [];
  private readonly counts = new Map<PortalMethod, number>();

  constructor(private readonly maxRecords: number = DEFAULT_MAX_RECORDS) {}

  add(record: RecordedCall): void {
    this.counts.set(record.method, (this.counts.get(record.method) ?? 0) + 1);
    this.records.push(record);
    // Trim in batches: one splice per maxRecords calls, not one shift per call.
    if (this.records.length >= 2 * this.maxRecords) {
      this.records = this.records.slice(-this.maxRecords);
    }
  }

  get all(): readonly RecordedCall[] {
    return this.records.length > this.maxRecords ? this.records.slice(-this.maxRecords) : [...this.records];
  }

  of(method: PortalMethod): RecordedCall[] {
    return this.all.filter((record) => record.method === method);
  }

  events(): RecordedCall[] {
    return this.all.filter((record) => EVENTS.has(record.method));
  }

  /** Every call of `method` received since the last reset, including trimmed ones. */
  count(method: PortalMethod): number {
    return this.counts.get(method) ?? 0;
  }

  countsByMethod(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.records = [];
    this.counts.clear();
  }
}
