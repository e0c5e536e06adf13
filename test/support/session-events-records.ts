import type { PortalSimulator } from '../../src/portal-simulator/portal-simulator';
import type { RecordedCall } from '../../src/portal-simulator/simulator-records';

/** One EventService call as the portal simulator received it (proto field names, enums as names). */
export interface PortalEvent {
  readonly method: 'ReportConnect' | 'ReportDisconnect' | 'ReportSessionUpdate';
  readonly username: string;
  readonly sessionId: string;
  readonly eventId: string;
  readonly reason: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly stats: { readonly duration_seconds: number; readonly bytes_received: number; readonly bytes_sent: number } | undefined;
  readonly request: Readonly<Record<string, unknown>>;
}

export function portalEvent(record: RecordedCall): PortalEvent {
  const request = record.request as Record<string, unknown>;
  const metadata = (request['metadata'] ?? {}) as Record<string, string>;
  const stats = (request['stats'] ?? request['current_stats'] ?? undefined) as PortalEvent['stats'];
  return {
    method: record.method as PortalEvent['method'],
    username: String(request['username'] ?? ''),
    sessionId: String(request['session_id'] ?? ''),
    eventId: metadata['event_id'] ?? '',
    reason: String(request['reason'] ?? ''),
    metadata,
    stats: stats ?? undefined,
    request,
  };
}

/** Every event received, duplicates included, oldest first. */
export function allPortalEvents(simulator: PortalSimulator): PortalEvent[] {
  return simulator.events.map(portalEvent);
}

/** Events after dropping repeats of an event_id (what a portal keeps), oldest first. */
export function uniquePortalEvents(simulator: PortalSimulator): PortalEvent[] {
  const seen = new Set<string>();
  return allPortalEvents(simulator).filter((event) => {
    if (seen.has(event.eventId)) return false;
    seen.add(event.eventId);
    return true;
  });
}

/** Connect and disconnect events of one user, oldest first. */
export function lifecycleOf(events: readonly PortalEvent[], username: string): PortalEvent[] {
  return events.filter((event) => event.username === username && event.method !== 'ReportSessionUpdate');
}
