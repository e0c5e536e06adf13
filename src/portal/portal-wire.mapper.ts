import type { CheckPolicyRequest, CheckPolicyResponse, ValidateSessionRequest, ValidateSessionResponse } from '../generated/vpn/v1/auth';
import { msToTimestamp } from '../grpc/timestamp.mapper';
import { isIpAddress, isIpNetwork } from '../validation/ip-network';
import type { PolicyQuery, PolicyVerdict } from './policy-checker';
import { PortalFailure, PortalFailureKind } from './portal-failure';
import type { SessionQuery, SessionVerdict } from './session-validator';
import { clipText } from '../validation/clip-text';

/*
 * Domain <-> vpn.v1.AuthService wire. The portal is trusted to decide, not to
 * be well-formed: routes and DNS servers end up in ocserv config, so an answer
 * with a malformed one is treated as a failed call (the fail mode decides)
 * rather than passed on.
 */

const MAX_ROUTES = 1024;
const MAX_DNS_SERVERS = 16;
const MAX_TEXT_LENGTH = 1024;
const MAX_METADATA_ENTRIES = 64;

export function toCheckPolicyRequest(query: PolicyQuery, nowMs: number): CheckPolicyRequest {
  return {
    username: query.username,
    groupname: query.groupname,
    client_ip: query.clientIp,
    vpn_ip: query.vpnIp,
    session_id: query.sessionId,
    device: query.device,
    request_time: msToTimestamp(nowMs),
  };
}

export function toPolicyVerdict(response: CheckPolicyResponse): PolicyVerdict {
  const routes = response.routes ?? [];
  const dnsServers = response.dns_servers ?? [];
  const metadata = response.metadata ?? {};
  if (routes.length > MAX_ROUTES) throw invalidAnswer(`${routes.length} routes (at most ${MAX_ROUTES})`);
  if (dnsServers.length > MAX_DNS_SERVERS) throw invalidAnswer(`${dnsServers.length} DNS servers (at most ${MAX_DNS_SERVERS})`);
  for (const route of routes) {
    if (!isIpNetwork(route)) throw invalidAnswer(`route ${JSON.stringify(route.slice(0, 60))} is not an IP network`);
  }
  for (const server of dnsServers) {
    if (!isIpAddress(server)) throw invalidAnswer(`DNS server ${JSON.stringify(server.slice(0, 60))} is not an IP address`);
  }
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_ENTRIES) throw invalidAnswer(`${entries.length} metadata entries (at most ${MAX_METADATA_ENTRIES})`);
  for (const [key, value] of entries) {
    if (key.length > MAX_TEXT_LENGTH || value.length > MAX_TEXT_LENGTH) {
      throw invalidAnswer(`metadata entry ${JSON.stringify(key.slice(0, 60))} longer than ${MAX_TEXT_LENGTH} characters`);
    }
  }
  const allowed = response.allowed === true && response.should_disconnect !== true;
  return {
    allowed,
    denyReason: allowed ? '' : clipText(response.deny_reason || 'denied by the portal', MAX_TEXT_LENGTH),
    routes: allowed ? [...routes] : [],
    dnsServers: allowed ? [...dnsServers] : [],
    shouldDisconnect: response.should_disconnect === true,
    metadata: { ...metadata },
  };
}

export function toValidateSessionRequest(query: SessionQuery, nowMs: number): ValidateSessionRequest {
  return {
    username: query.username,
    session_id: query.sessionId,
    client_ip: query.clientIp,
    request_time: msToTimestamp(nowMs),
  };
}

/**
 * Only a literal `true` counts: a field the portal left out (or a value of the wrong type
 * from a hand-rolled server) is false, so a missing `valid` ends the session, as proto3's
 * default says. Nothing in the answer reaches ocserv, so nothing is refused: the reason is
 * only clipped (it goes into logs and the session's end report).
 */
export function toSessionVerdict(response: Partial<ValidateSessionResponse> | undefined): SessionVerdict {
  const reason = response?.invalid_reason;
  return {
    valid: response?.valid === true,
    invalidReason: typeof reason === 'string' ? clipText(reason, MAX_TEXT_LENGTH) : '',
    forceDisconnect: response?.force_disconnect === true,
  };
}

function invalidAnswer(what: string): PortalFailure {
  return new PortalFailure(PortalFailureKind.InvalidAnswer, `portal answered CheckPolicy with ${what}`);
}
