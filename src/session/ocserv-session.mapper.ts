import type { OcctlEvent, OcctlUser } from '../occtl/occtl-records';
import { detachedCopy } from '../memory/heap-size';
import { METADATA_VALUE_MAX_LENGTH } from '../validation/field-limits.constant';
import type { NewVpnSession, VpnSessionUpdate } from './vpn-session';

/*
 * ocserv's view of a session -> the agent's. The session id is ocserv's worker
 * id (what the connect-script gets as ID and `occtl disconnect id` takes);
 * bytes_in is what the client sent (occtl RX), bytes_out what it received (TX),
 * as ocserv's own STATS_BYTES_IN/OUT count them.
 */

export function sessionIdOf(workerId: number): string {
  return String(workerId);
}

export function toNewSession(user: OcctlUser, nowMs: number): NewVpnSession {
  return {
    sessionId: sessionIdOf(user.id),
    username: user.username,
    clientIp: user.remoteIp,
    vpnIp: user.ipv4 !== '' ? user.ipv4 : user.ipv6,
    deviceId: user.device,
    connectedAtMs: user.connectedAtMs ?? nowMs,
    bytesIn: user.rxBytes,
    bytesOut: user.txBytes,
    metadata: metadataOf(user),
  };
}

/** What a later look at a known session may change (its connect time and owner never do). */
export function toSessionUpdate(user: OcctlUser): VpnSessionUpdate {
  return {
    vpnIp: user.ipv4 !== '' ? user.ipv4 : user.ipv6,
    deviceId: user.device,
    bytesIn: user.rxBytes,
    bytesOut: user.txBytes,
    metadata: metadataOf(user),
  };
}

/** A session known only from its connect event (occtl could not be asked for the rest). */
export function sessionFromEvent(event: OcctlEvent, nowMs: number): NewVpnSession {
  return {
    sessionId: sessionIdOf(event.id),
    username: event.username,
    clientIp: event.remoteIp,
    vpnIp: event.vpnIp,
    deviceId: '',
    connectedAtMs: nowMs,
    bytesIn: 0,
    bytesOut: 0,
    metadata: { vhost: event.vhost, source: 'ocserv-event' },
  };
}

function metadataOf(user: OcctlUser): Record<string, string> {
  const entries: Array<[string, string]> = [
    ['group', user.groupname],
    ['user_agent', user.userAgent],
    ['vhost', user.vhost],
    ['hostname', user.hostname],
    ['ocserv_session', user.session],
    ['ipv6', user.ipv6],
    ['mtu', user.mtu === undefined ? '' : String(user.mtu)],
    ['tls_ciphersuite', user.tlsCiphersuite],
    ['source', 'ocserv'],
  ];
  const metadata: Record<string, string> = {};
  for (const [key, value] of entries) {
    // A cut value is copied: a slice would keep the whole of occtl's value alive in the store.
    if (value !== '') metadata[key] = value.length > METADATA_VALUE_MAX_LENGTH ? detachedCopy(value.slice(0, METADATA_VALUE_MAX_LENGTH)) : value;
  }
  return metadata;
}
