import type { OutboxStats, RecordOutcome } from './event-outbox';
import { EventOutbox } from './event-outbox';

const DISABLED: RecordOutcome = { outcome: 'dropped', reason: 'events.enabled is false' };
const NONE = { connect: 0, disconnect: 0, update: 0 } as const;

/** Stands in when events.enabled is false: nothing is stored, no file is opened. */
export class DisabledEventOutbox extends EventOutbox {
  recordConnect(): RecordOutcome {
    return DISABLED;
  }
  recordDisconnect(): RecordOutcome {
    return DISABLED;
  }
  recordUpdate(): RecordOutcome {
    return DISABLED;
  }
  amendPendingDisconnect(): boolean {
    return false;
  }
  lease(): [] {
    return [];
  }
  delivered(): void {}
  failed(): void {}
  nextDueMs(): undefined {
    return undefined;
  }
  liveSessions(): [] {
    return [];
  }
  stats(): OutboxStats {
    return { pending: 0, pendingByKind: NONE, bytes: 0, maxBytes: 0, oldestCreatedAtMs: undefined, droppedByKind: NONE, corruptSkipped: 0, liveSessions: 0 };
  }
  close(): void {}
}
