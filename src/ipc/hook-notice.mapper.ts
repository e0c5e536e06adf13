import { AgentError } from '../errors/agent-error';
import { METADATA_VALUE_MAX_LENGTH } from '../validation/field-limits.constant';
import {
  assertIpAddress,
  assertOptionalDeviceId,
  assertOptionalGroupname,
  assertOptionalIpAddress,
  assertSessionId,
  assertUsername,
} from '../validation/vpn-identifiers';
import type { ConnectNotice, DisconnectNotice, HostUpdateNotice } from '../vpn/vpn-notices';
import type { HookEnv } from './hook-request';

/*
 * ocserv's script variables -> domain notices, validated with the same asserts as the gRPC
 * edge. Error messages name the variable (env.USERNAME), which is what an operator greps for.
 */

/** What the agent records for a disconnect reported by ocserv (the hook has no reason text). */
export const OCSERV_DISCONNECT_REASON = 'ocserv disconnect-script';

/** Informational variables kept as session metadata, under these keys. */
const METADATA_VARIABLES = {
  vhost: 'VHOST',
  device_type: 'DEVICE_TYPE',
  device_platform: 'DEVICE_PLATFORM',
  ip_real_local: 'IP_REAL_LOCAL',
  ip_local: 'IP_LOCAL',
} as const;

export function toConnectNotice(env: HookEnv): ConnectNotice {
  return {
    username: assertUsername(env['USERNAME'] ?? '', 'env.USERNAME'),
    groupname: assertOptionalGroupname(env['GROUPNAME'] ?? '', 'env.GROUPNAME'),
    clientIp: assertIpAddress(env['IP_REAL'] ?? '', 'env.IP_REAL'),
    vpnIp: assertOptionalIpAddress(env['IP_REMOTE'] ?? '', 'env.IP_REMOTE'),
    sessionId: assertSessionId(env['ID'] ?? '', 'env.ID'),
    deviceId: assertOptionalDeviceId(env['DEVICE'] ?? '', 'env.DEVICE'),
    // ocserv runs connect-script as the client connects: "now" is the connect time.
    connectedAtMs: undefined,
    metadata: toMetadata(env),
  };
}

export function toDisconnectNotice(env: HookEnv): DisconnectNotice {
  return {
    username: assertUsername(env['USERNAME'] ?? '', 'env.USERNAME'),
    sessionId: assertSessionId(env['ID'] ?? '', 'env.ID'),
    reason: OCSERV_DISCONNECT_REASON,
  };
}

export function toHostUpdateNotice(env: HookEnv): HostUpdateNotice {
  const hostname = env['REMOTE_HOSTNAME'] ?? '';
  if (hostname === '') {
    throw AgentError.invalidArgument('env.REMOTE_HOSTNAME is required for host-update');
  }
  return {
    username: assertUsername(env['USERNAME'] ?? '', 'env.USERNAME'),
    sessionId: assertSessionId(env['ID'] ?? '', 'env.ID'),
    hostname: assertMetadataValue(hostname, 'env.REMOTE_HOSTNAME'),
  };
}

function toMetadata(env: HookEnv): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, name] of Object.entries(METADATA_VARIABLES)) {
    const value = env[name];
    if (value) metadata[key] = assertMetadataValue(value, `env.${name}`);
  }
  // The client names itself; ocserv reports it as REMOTE_HOSTNAME (HOSTNAME in some versions).
  const hostnameVariable = env['REMOTE_HOSTNAME'] ? 'REMOTE_HOSTNAME' : 'HOSTNAME';
  const hostname = env[hostnameVariable];
  if (hostname) metadata['hostname'] = assertMetadataValue(hostname, `env.${hostnameVariable}`);
  // The user agent is informational and client-chosen: kept, cut to the metadata limit.
  const userAgent = env['USER_AGENT'];
  if (userAgent) metadata['user_agent'] = assertMetadataValue(userAgent.slice(0, METADATA_VALUE_MAX_LENGTH), 'env.USER_AGENT');
  return metadata;
}

/** The session store's bound on a metadata value, reported under the variable's name. */
function assertMetadataValue(value: string, field: string): string {
  if (value.length > METADATA_VALUE_MAX_LENGTH || value.includes('\u0000')) {
    throw AgentError.invalidArgument(
      `${field} must be at most ${METADATA_VALUE_MAX_LENGTH} characters without NUL; got ${value.length} chars`,
    );
  }
  return value;
}
