import {
  DisconnectReason,
  SessionStatus,
  type ReportConnectRequest,
  type ReportConnectResponse,
  type ReportDisconnectRequest,
  type ReportDisconnectResponse,
  type ReportSessionUpdateRequest,
  type ReportSessionUpdateResponse,
  type SessionStats,
} from '../generated/vpn/v1/events';
import { msToTimestamp } from '../grpc/timestamp.mapper';
import type {
  ConnectEventBody,
  DisconnectEventBody,
  DisconnectReasonName,
  SessionStatsFacts,
  SessionStatusName,
  UpdateEventBody,
} from '../session-events/session-event';
import { isIpNetwork } from '../validation/ip-network';
import type { ConnectAnswer, DisconnectAnswer, UpdateAnswer } from './event-reporter';

/*
 * Session events <-> vpn.v1.EventService wire. Every request carries metadata.event_id, the
 * outbox's idempotency key, whatever the body's metadata says (the portal dedupes on it).
 *
 * An answer is read defensively but never refused: the portal has the event either way, so
 * a malformed part (a route that is not a network, 10^6 routes) is dropped with a problem
 * the reporter logs, and the event still counts as delivered. Resending it would bring the
 * same answer back.
 */

export const EVENT_ID_METADATA_KEY = 'event_id';
/** As for CheckPolicy's routes (portal-wire.mapper.ts): the most a user's file is given. */
export const MAX_UPDATED_ROUTES = 1024;
const MAX_TEXT_LENGTH = 1024;
const DEFAULT_DISCONNECT_REASON = 'disconnect requested by the portal';

const DISCONNECT_REASON_WIRE: Readonly<Record<DisconnectReasonName, DisconnectReason>> = {
  UNSPECIFIED: DisconnectReason.DISCONNECT_REASON_UNSPECIFIED,
  USER_INITIATED: DisconnectReason.DISCONNECT_REASON_USER_INITIATED,
  ADMIN_FORCED: DisconnectReason.DISCONNECT_REASON_ADMIN_FORCED,
  IDLE_TIMEOUT: DisconnectReason.DISCONNECT_REASON_IDLE_TIMEOUT,
  SESSION_LIMIT: DisconnectReason.DISCONNECT_REASON_SESSION_LIMIT,
  CERTIFICATE_REVOKED: DisconnectReason.DISCONNECT_REASON_CERTIFICATE_REVOKED,
  POLICY_VIOLATION: DisconnectReason.DISCONNECT_REASON_POLICY_VIOLATION,
  SERVER_SHUTDOWN: DisconnectReason.DISCONNECT_REASON_SERVER_SHUTDOWN,
  CONNECTION_ERROR: DisconnectReason.DISCONNECT_REASON_CONNECTION_ERROR,
};

const SESSION_STATUS_WIRE: Readonly<Record<SessionStatusName, SessionStatus>> = {
  UNSPECIFIED: SessionStatus.SESSION_STATUS_UNSPECIFIED,
  ACTIVE: SessionStatus.SESSION_STATUS_ACTIVE,
  IDLE: SessionStatus.SESSION_STATUS_IDLE,
  DEGRADED: SessionStatus.SESSION_STATUS_DEGRADED,
};

/** A validated answer, and what was wrong with the raw one (empty when nothing). */
export interface MappedAnswer<A> {
  readonly answer: A;
  readonly problems: readonly string[];
}

export function toReportConnectRequest(body: ConnectEventBody, eventId: string): ReportConnectRequest {
  return {
    username: body.username,
    session_id: body.sessionId,
    client_ip: body.clientIp,
    vpn_ip: body.vpnIp,
    device: body.device,
    connected_at: msToTimestamp(body.connectedAtMs),
    groupname: body.groupname,
    metadata: eventMetadata(body.metadata, eventId),
  };
}

export function toReportDisconnectRequest(body: DisconnectEventBody, eventId: string): ReportDisconnectRequest {
  return {
    username: body.username,
    session_id: body.sessionId,
    disconnected_at: msToTimestamp(body.disconnectedAtMs),
    reason: DISCONNECT_REASON_WIRE[body.reason] ?? DisconnectReason.DISCONNECT_REASON_UNSPECIFIED,
    stats: toSessionStats(body.stats),
    metadata: eventMetadata(body.metadata, eventId),
  };
}

export function toReportSessionUpdateRequest(body: UpdateEventBody, eventId: string): ReportSessionUpdateRequest {
  return {
    username: body.username,
    session_id: body.sessionId,
    update_time: msToTimestamp(body.updateTimeMs),
    current_stats: toSessionStats(body.stats),
    status: SESSION_STATUS_WIRE[body.status] ?? SessionStatus.SESSION_STATUS_UNSPECIFIED,
    metadata: eventMetadata(body.metadata, eventId),
  };
}

export function toConnectAnswer(response: Partial<ReportConnectResponse> | undefined): MappedAnswer<ConnectAnswer> {
  const problems: string[] = [];
  const routes = response?.updated_routes;
  let updatedRoutes: string[] = [];
  if (routes !== undefined && routes !== null) {
    const problem = routesProblem(routes);
    if (problem === undefined) updatedRoutes = [...(routes as string[])];
    else problems.push(`updated_routes ignored: ${problem}`);
  }
  return {
    answer: { success: response?.success === true, message: text(response?.message), updatedRoutes },
    problems,
  };
}

export function toDisconnectAnswer(response: Partial<ReportDisconnectResponse> | undefined): MappedAnswer<DisconnectAnswer> {
  return { answer: { success: response?.success === true, message: text(response?.message) }, problems: [] };
}

export function toUpdateAnswer(response: Partial<ReportSessionUpdateResponse> | undefined): MappedAnswer<UpdateAnswer> {
  const shouldDisconnect = response?.should_disconnect === true;
  return {
    answer: {
      success: response?.success === true,
      shouldDisconnect,
      disconnectReason: shouldDisconnect ? text(response?.disconnect_reason) || DEFAULT_DISCONNECT_REASON : '',
    },
    problems: [],
  };
}

/** The body's metadata with event_id set last, so a body entry of that name cannot replace it. */
function eventMetadata(metadata: Readonly<Record<string, string>>, eventId: string): Record<string, string> {
  return { ...metadata, [EVENT_ID_METADATA_KEY]: eventId };
}

/** uint64/int64 on the wire: a negative or fractional count would encode as nonsense, so whole and >= 0. */
function toSessionStats(stats: SessionStatsFacts): SessionStats {
  return {
    duration_seconds: wholeCount(stats.durationSeconds),
    bytes_received: wholeCount(stats.bytesReceived),
    bytes_sent: wholeCount(stats.bytesSent),
    packets_received: 0,
    packets_sent: 0,
  };
}

function wholeCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER) : 0;
}

/** The length is checked before any entry, so a 10^6-route answer costs one comparison. */
function routesProblem(routes: unknown): string | undefined {
  if (!Array.isArray(routes)) return 'not a list';
  if (routes.length > MAX_UPDATED_ROUTES) return `${routes.length} routes (at most ${MAX_UPDATED_ROUTES})`;
  for (const route of routes) {
    if (typeof route !== 'string' || !isIpNetwork(route)) {
      return `route ${JSON.stringify(String(route).slice(0, 60))} is not an IP network`;
    }
  }
  return undefined;
}

function text(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.length > MAX_TEXT_LENGTH ? `${value.slice(0, MAX_TEXT_LENGTH)}…` : value;
}
