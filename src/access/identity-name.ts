import { ipAddressFamily } from '../validation/ip-network';
import type { CallerIdentity } from './caller-identity';

/*
 * The names of `grpc.access.identities` and how a certificate matches them.
 * A typed name (`cn:`, `dns:`, `ip:`, `uri:`) matches only that part of the
 * certificate. An untyped name matches the subject's CN or a DNS or IP SAN, never
 * a URI, email or other SAN: anyone a CA lets put "portal.example.com" into an
 * email or URI field must not become the portal. A subject with several CNs has
 * no CN for matching (TLS stacks disagree on which one counts).
 */

export const IDENTITY_TYPES = ['cn', 'dns', 'ip', 'uri'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

export const IDENTITY_NAME_EXPECTED =
  'expected a certificate name, or one typed as cn:NAME, dns:NAME, ip:ADDRESS or uri:URI (lower case; email and other SAN types grant no role)';

export type IdentityNameParse = { readonly ok: true; readonly matchKeys: readonly string[] } | { readonly ok: false; readonly problem: string };

const TYPED_NAME = /^(cn|dns|ip|uri):(.*)$/s;
/** "URI:x", "DNS:x", "email:x", "IP Address:x", "spiffe://x": a type or scheme the operator meant as one. */
const TYPE_LIKE_PREFIX = /^[A-Za-z][A-Za-z0-9+.\- ]*:/;

/** A config name to the match keys it grants (`type:value`), or why it is refused. */
export function parseIdentityName(name: string): IdentityNameParse {
  const typed = TYPED_NAME.exec(name);
  if (typed !== null) {
    const type = typed[1] as IdentityType;
    const value = typed[2] ?? '';
    if (value === '') return { ok: false, problem: `expected a name after ${type}:` };
    if (type !== 'ip') return { ok: true, matchKeys: [matchKey(type, value)] };
    const ip = canonicalIpAddress(value);
    return ip === undefined ? { ok: false, problem: 'expected an IPv4 or IPv6 address after ip:' } : { ok: true, matchKeys: [matchKey('ip', ip)] };
  }
  const ip = canonicalIpAddress(name);
  if (ip === undefined && TYPE_LIKE_PREFIX.test(name)) {
    return { ok: false, problem: IDENTITY_NAME_EXPECTED };
  }
  const keys = [matchKey('cn', name), matchKey('dns', name)];
  return { ok: true, matchKeys: ip === undefined ? keys : [...keys, matchKey('ip', ip)] };
}

/** The match keys a verified certificate presents; email and other SANs present none. */
export function callerMatchKeys(identity: CallerIdentity): string[] {
  const keys = identity.commonNames.length === 1 ? [matchKey('cn', identity.commonNames[0] as string)] : [];
  for (const { type, value } of identity.subjectAltNames) {
    if (type === 'dns' || type === 'uri') {
      keys.push(matchKey(type, value));
    } else if (type === 'ip') {
      const ip = canonicalIpAddress(value);
      if (ip !== undefined) keys.push(matchKey('ip', ip));
    }
  }
  return keys;
}

function matchKey(type: IdentityType, value: string): string {
  return `${type}:${value}`;
}

/**
 * One spelling per address, so `ip:2001:db8::1` matches the SAN Node prints as
 * `2001:DB8:0:0:0:0:0:1`: IPv6 as eight upper-case hex groups without leading zeros.
 */
export function canonicalIpAddress(value: string): string | undefined {
  const family = ipAddressFamily(value);
  if (family === 4) return value;
  if (family !== 6) return undefined;
  let text = value;
  const embedded = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (embedded !== null) {
    const [a, b, c, d] = embedded.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, embedded.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(16).toUpperCase()).join(':');
}
