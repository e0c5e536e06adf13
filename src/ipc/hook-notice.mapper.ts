import { AgentError } from '../errors/agent-error';
import { detachedCopy } from '../memory/heap-size';
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
  const bytesIn = counter(env['STATS_BYTES_IN']);
  const bytesOut = counter(env['STATS_BYTES_OUT']);
  return {
    username: assertUsername(env['USERNAME'] ?? '', 'env.USERNAME'),
    sessionId: assertSessionId(env['ID'] ?? '', 'env.ID'),
    reason: OCSERV_DISCONNECT_REASON,
    // Counters are informational: a malformed one is left out, never a reason to refuse the report.
    ...(bytesIn === undefined || bytesOut === undefined
      ? {}
      : { stats: { bytesIn, bytesOut, durationSeconds: counter(env['STATS_DURATION']) } }),
  };
}

/** A decimal counter ocserv printed (%lu); undefined when absent, not decimal, or beyond 2^53. */
function counter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

export function toHostUpdateNotice(env: HookEnv): HostUpdateNotice {
  const hostname = env['REMOTE_HOSTNAME'] ?? '';
  if (hostname === '') {
    throw AgentError.invalidArgument('env.REMOTE_HOSTNAME is required for host-update');
  }
  return {
    username: assertUsername(env['USERNAME'] ?? '', 'env.USERNAME'),
    sessionId: assertSessionId(env['ID'] ?? '', 'env.ID'),
    hostname: informational(hostname),
  };
}

/*
 * Informational, client-influenced values (the client names its host and user agent)
 * are cut to the session store's metadata limit, never a reason to refuse a login:
 * authorization depends on the user, group and address, not on how long a hostname is.
 */
function toMetadata(env: HookEnv): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, name] of Object.entries(METADATA_VARIABLES)) {
    const value = env[name];
    if (value) metadata[key] = informational(value);
  }
  // The client names itself; ocserv reports it as REMOTE_HOSTNAME (HOSTNAME in some versions).
  const hostname = env['REMOTE_HOSTNAME'] || env['HOSTNAME'];
  if (hostname) metadata['hostname'] = informational(hostname);
  const userAgent = env['USER_AGENT'];
  if (userAgent) metadata['user_agent'] = informational(userAgent);
  return metadata;
}

/** Cut to METADATA_VALUE_MAX_LENGTH without splitting a surrogate pair (which would encode as U+FFFD). */
function informational(value: string): string {
  if (value.length <= METADATA_VALUE_MAX_LENGTH) return value;
  const cut = value.slice(0, METADATA_VALUE_MAX_LENGTH);
  const last = cut.charCodeAt(cut.length - 1);
  // A copy of its own: a slice would keep the whole 16 KiB variable alive in the session store.
  return detachedCopy(last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut);
}
