import { EVENT_METHODS, type PortalMethod } from './portal-protos.constant';
import { SeenEventIds } from './seen-event-ids';

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
  /**
   * An EventService call whose metadata.event_id was received before (a re-send: the agent's
   * retry after a lost answer). Always false for AuthService calls and for events without an id.
   */
  readonly duplicate: boolean;
}

/** Newest records kept; older ones are dropped so a long benchmark cannot exhaust memory. Counts stay exact. */
export const DEFAULT_MAX_RECORDS = 100_000;

const EVENTS: ReadonlySet<PortalMethod> = new Set(EVENT_METHODS);

/** What the simulator received, in arrival order, with EventService re-sends told apart by event_id. */
export class SimulatorRecords {
  private records: RecordedCall[] = [];
  private readonly counts = new Map<PortalMethod, number>();
  private readonly duplicates = new Map<PortalMethod, number>();
  private readonly seenEventIds: SeenEventIds;

  constructor(
    private readonly maxRecords: number = DEFAULT_MAX_RECORDS,
    maxSeenEventIds?: number,
  ) {
    this.seenEventIds = new SeenEventIds(maxSeenEventIds);
  }

  /** Records a call; an event whose id was seen before comes back marked duplicate. */
  add(call: Omit<RecordedCall, 'duplicate'>): RecordedCall {
    const eventId = EVENTS.has(call.method) ? eventIdOf(call.request) : undefined;
    const duplicate = eventId !== undefined && !this.seenEventIds.firstSight(eventId);
    const record: RecordedCall = { ...call, duplicate };
    this.counts.set(record.method, (this.counts.get(record.method) ?? 0) + 1);
    if (duplicate) this.duplicates.set(record.method, (this.duplicates.get(record.method) ?? 0) + 1);
    this.records.push(record);
    // Trim in batches: one splice per maxRecords calls, not one shift per call.
    if (this.records.length >= 2 * this.maxRecords) {
      this.records = this.records.slice(-this.maxRecords);
    }
    return record;
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

  /** Every call of `method` received since the last reset, including trimmed ones and duplicates. */
  count(method: PortalMethod): number {
    return this.counts.get(method) ?? 0;
  }

  countsByMethod(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.counts);
  }

  /** Re-sent events since the last reset, exact (trimmed records included). */
  duplicateCount(): number {
    let total = 0;
    for (const count of this.duplicates.values()) total += count;
    return total;
  }

  duplicatesByMethod(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.duplicates);
  }

  reset(): void {
    this.records = [];
    this.counts.clear();
    this.duplicates.clear();
    this.seenEventIds.clear();
  }
}

function eventIdOf(request: Readonly<Record<string, unknown>>): string | undefined {
  const metadata = request['metadata'];
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const eventId = (metadata as Record<string, unknown>)['event_id'];
  return typeof eventId === 'string' && eventId !== '' ? eventId : undefined;
}
