import type {
  GetActiveSessionsRequest,
  NotifyConnectRequest,
  NotifyDisconnectRequest,
} from '../../../src/generated/agent/v1/agent';
import type { ConnectDecision, ConnectNotice } from '../../../src/vpn/vpn-notices';

/** A valid NotifyConnect as the portal sends it (connect_time unset means "now"). */
export function aNotifyConnectRequest(overrides: Partial<NotifyConnectRequest> = {}): NotifyConnectRequest {
  return {
    username: 'alice',
    client_ip: '198.51.100.7',
    vpn_ip: '10.10.0.2',
    session_id: 'sess-alice-1',
    device_id: 'vpns0',
    connect_time: undefined,
    metadata: { platform: 'linux' },
    ...overrides,
  };
}

export function aNotifyDisconnectRequest(overrides: Partial<NotifyDisconnectRequest> = {}): NotifyDisconnectRequest {
  return {
    username: 'alice',
    session_id: 'sess-alice-1',
    disconnect_time: undefined,
    disconnect_reason: 'user logged out',
    bytes_in: 0,
    bytes_out: 0,
    duration_seconds: 0,
    ...overrides,
  };
}

export function aGetActiveSessionsRequest(overrides: Partial<GetActiveSessionsRequest> = {}): GetActiveSessionsRequest {
  return { username_filter: '', include_stats: false, ...overrides };
}

/** A validated connect notice, as the wire mapper hands it to the domain. */
export function aConnectNotice(overrides: Partial<ConnectNotice> = {}): ConnectNotice {
  return {
    username: 'alice',
    groupname: 'staff',
    clientIp: '198.51.100.7',
    vpnIp: '10.10.0.2',
    sessionId: 'sess-alice-1',
    deviceId: 'vpns0',
    connectedAtMs: undefined,
    metadata: { platform: 'linux' },
    ...overrides,
  };
}

export function anAllowDecision(overrides: Partial<ConnectDecision> = {}): ConnectDecision {
  return {
    allowed: true,
    source: 'portal',
    shouldDisconnect: false,
    denyReason: '',
    routes: ['10.10.0.0/16'],
    dnsServers: ['10.10.0.53'],
    configParams: {},
    ...overrides,
  };
}

export function aDenyDecision(denyReason = 'account suspended'): ConnectDecision {
  return { allowed: false, source: 'portal', shouldDisconnect: true, denyReason, routes: [], dnsServers: [], configParams: {} };
}
