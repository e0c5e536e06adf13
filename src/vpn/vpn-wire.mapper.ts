import type {
  DisconnectUserRequest,
  DisconnectUserResponse,
  GetActiveSessionsRequest,
  GetActiveSessionsResponse,
  NotifyConnectRequest,
  NotifyConnectResponse,
  NotifyDisconnectRequest,
  NotifyDisconnectResponse,
  UpdateUserRoutesRequest,
  UpdateUserRoutesResponse,
  VPNSession,
} from '../generated/agent/v1/agent';
import { msToTimestamp, timestampToMs } from '../grpc/timestamp.mapper';
import type { VpnSession } from '../session/vpn-session';
import { listValues, mapChanges } from '../user-config/option-input';
import type { UserRoutesOrder, UserRoutesOutcome } from './user-routes.updater';
import { AgentError } from '../errors/agent-error';
import {
  assertIpAddress,
  assertMetadata,
  assertOptionalGroupname,
  assertOptionalDeviceId,
  assertOptionalIpAddress,
  assertSessionId,
  assertUsername,
  echoValue,
} from '../validation/vpn-identifiers';
import type {
  ConnectDecision,
  ConnectNotice,
  DisconnectAck,
  DisconnectNotice,
  SessionQuery,
  UserDisconnectOrder,
  UserDisconnectOutcome,
} from './vpn-notices';

/*
 * Wire <-> domain for VPNAgentService. Requests are validated here, field by
 * field, so the domain only ever sees safe values; responses copy domain
 * objects into the generated message types.
 */

const DISCONNECT_REASON_MAX_LENGTH = 256;

export function toConnectNotice(request: NotifyConnectRequest): ConnectNotice {
  return {
    username: assertUsername(request.username),
    // NotifyConnect has no group field; a portal that knows it passes metadata.groupname.
    groupname: assertOptionalGroupname(request.metadata?.['groupname'] ?? ''),
    clientIp: assertIpAddress(request.client_ip, 'client_ip'),
    vpnIp: assertOptionalIpAddress(request.vpn_ip, 'vpn_ip'),
    sessionId: assertSessionId(request.session_id),
    deviceId: assertOptionalDeviceId(request.device_id),
    connectedAtMs: timestampToMs(request.connect_time, 'connect_time'),
    metadata: { ...assertMetadata(request.metadata ?? {}) },
  };
}

export function toNotifyConnectResponse(decision: ConnectDecision): NotifyConnectResponse {
  return {
    allowed: decision.allowed,
    should_disconnect: decision.shouldDisconnect,
    deny_reason: decision.denyReason,
    routes: [...decision.routes],
    dns_servers: [...decision.dnsServers],
    config_params: { ...decision.configParams },
  };
}

export function toDisconnectNotice(request: NotifyDisconnectRequest): DisconnectNotice {
  if (request.disconnect_reason.length > DISCONNECT_REASON_MAX_LENGTH) {
    throw AgentError.invalidArgument(
      `disconnect_reason must be at most ${DISCONNECT_REASON_MAX_LENGTH} characters; got ${echoValue(request.disconnect_reason)}`,
    );
  }
  const given = request.bytes_in > 0 || request.bytes_out > 0 || request.duration_seconds > 0;
  return {
    username: assertUsername(request.username),
    sessionId: assertSessionId(request.session_id),
    reason: request.disconnect_reason,
    ...(given
      ? { stats: { bytesIn: request.bytes_in, bytesOut: request.bytes_out, durationSeconds: request.duration_seconds || undefined } }
      : {}),
  };
}

export function toNotifyDisconnectResponse(ack: DisconnectAck): NotifyDisconnectResponse {
  return { acknowledged: ack.acknowledged, message: ack.message };
}

export function toUserDisconnectOrder(request: DisconnectUserRequest): UserDisconnectOrder {
  if (request.reason.length > DISCONNECT_REASON_MAX_LENGTH) {
    throw AgentError.invalidArgument(`reason must be at most ${DISCONNECT_REASON_MAX_LENGTH} characters; got ${echoValue(request.reason)}`);
  }
  return {
    username: assertUsername(request.username),
    reason: request.reason,
    allSessions: request.disconnect_all_sessions,
  };
}

export function toDisconnectUserResponse(outcome: UserDisconnectOutcome): DisconnectUserResponse {
  return {
    success: outcome.sessionsDisconnected > 0 && outcome.failures.length === 0,
    sessions_disconnected: outcome.sessionsDisconnected,
    error_message: outcome.failures.join('; '),
  };
}

export function toSessionQuery(request: GetActiveSessionsRequest): SessionQuery {
  return {
    username: request.username_filter === '' ? '' : assertUsername(request.username_filter, 'username_filter'),
    includeStats: request.include_stats,
  };
}

export function toGetActiveSessionsResponse(sessions: readonly VpnSession[], includeStats: boolean): GetActiveSessionsResponse {
  return {
    sessions: sessions.map((session) => toVpnSessionMessage(session, includeStats)),
    total_count: sessions.length,
  };
}

/**
 * One frozen message per stored session and stats flag: stored sessions are
 * immutable (an update replaces the object), so the message stays valid for as
 * long as the session does, and session-list.encoder.ts can reuse its bytes.
 */
const messagesWithStats = new WeakMap<VpnSession, VPNSession>();
const messagesWithoutStats = new WeakMap<VpnSession, VPNSession>();

function toVpnSessionMessage(session: VpnSession, includeStats: boolean): VPNSession {
  const cache = includeStats ? messagesWithStats : messagesWithoutStats;
  let message = cache.get(session);
  if (message === undefined) {
    message = Object.freeze(buildVpnSessionMessage(session, includeStats));
    cache.set(session, message);
  }
  return message;
}

function buildVpnSessionMessage(session: VpnSession, includeStats: boolean): VPNSession {
  return {
    session_id: session.sessionId,
    username: session.username,
    client_ip: session.clientIp,
    vpn_ip: session.vpnIp,
    connected_at: msToTimestamp(session.connectedAtMs),
    bytes_in: includeStats ? session.bytesIn : 0,
    bytes_out: includeStats ? session.bytesOut : 0,
    device_id: session.deviceId,
    metadata: session.metadata,
  };
}

/** UpdateUserRoutes -> the user's file changes: routes and dns_servers replace the file's (empty clears), config_params set model keys. */
export function toUserRoutesOrder(request: UpdateUserRoutesRequest): UserRoutesOrder {
  const username = assertUsername(request.username);
  const changes = mapChanges(request.config_params ?? {}, 'config_params', ['route', 'dns']);
  changes.set('route', listValues('route', request.routes ?? [], 'routes'));
  changes.set('dns', listValues('dns', request.dns_servers ?? [], 'dns_servers'));
  return { username, changes, reloadIfConnected: request.reload_if_connected };
}

export function toUpdateUserRoutesResponse(outcome: UserRoutesOutcome): UpdateUserRoutesResponse {
  return { success: true, config_path: outcome.path, user_reconnected: outcome.userReconnected, error_message: '' };
}
