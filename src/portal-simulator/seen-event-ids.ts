/**
 * Event ids seen at most this many; the oldest is forgotten first. A re-send of an event
 * older than the last 1,000,000 is then taken for a first delivery (not counted as a
 * duplicate): about 100 MB of ids at most, and far more than any test or bench sends.
 */
export const MAX_SEEN_EVENT_IDS = 1_000_000;

/** The EventService idempotency keys (metadata.event_id) the simulator has received, in arrival order. */
export class SeenEventIds {
  private readonly ids = new Set<string>();

  constructor(private readonly maxIds: number = MAX_SEEN_EVENT_IDS) {}

  get size(): number {
    return this.ids.size;
  }

  /** true the first time `eventId` is seen (then remembered), false for a repeat. */
  firstSight(eventId: string): boolean {
    if (this.ids.has(eventId)) return false;
    this.ids.add(eventId);
    if (this.ids.size > this.maxIds) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }

  clear(): void {
    this.ids.clear();
  }
}
