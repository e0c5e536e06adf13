import { isIPv4, isIPv6 } from 'node:net';
import { AgentError } from '../errors/agent-error';
import { echoValue } from '../validation/vpn-identifiers';
import { optionSpec, type OcservOptionSpec } from './ocserv-option.catalog';

/**
 * One value, well under ocserv's 2,048-byte line limit (inih's INI_MAX_LINE in ocserv's
 * build: a longer line is cut, and the rest read as another line). Checked before any
 * other work, so a 1 MB value costs a length comparison.
 */
export const MAX_OPTION_VALUE_LENGTH = 1024;

/*
 * Anything that could end a line or hide one: C0/C1 controls, DEL, and Unicode line and
 * paragraph separators. A newline inside a value is how the agent we replace let
 * `10.0.0.0/8\nroute = 0.0.0.0/0` add a route.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
/** ocserv strips quotes and whitespace at both ends and cuts at " #" (an inline comment): such values would not mean what they say. */
const UNSTABLE_VALUE = /^["\s]|["\s]$|\s#/;

const DOMAIN_PATTERN = /^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;
const INTEGER_PATTERN = /^(0|[1-9][0-9]{0,9})$/;
const CGROUP_PATTERN = /^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*:[A-Za-z0-9_./-]+$/;
const PATH_PATTERN = /^\/[A-Za-z0-9_./+-]*$/;
const PORT_RULE = /^(?:(tcp|udp|sctp)\(([0-9]{1,5})\)|(icmp|icmpv6)\(\))$/;

const BOOLEAN_TRUE = new Set(['true', 'yes']);
const BOOLEAN_FALSE = new Set(['false', 'no']);

/**
 * The canonical form of `value` for ocserv option `key`, or INVALID_ARGUMENT naming
 * `field`. Canonical: routes as network/prefix with host bits zero, booleans as true/false,
 * integers without leading zeros, domains lower-cased.
 */
export function normalizeOptionValue(key: string, value: string, field: string): string {
  const spec = optionSpec(key);
  if (spec === undefined) throw AgentError.invalidArgument(`${field}: ${echoValue(key)} is not an ocserv per-user/per-group option`);
  if (value.length > MAX_OPTION_VALUE_LENGTH) {
    throw AgentError.invalidArgument(`${field}: a value is at most ${MAX_OPTION_VALUE_LENGTH} characters; got ${value.length}`);
  }
  if (value === '') throw AgentError.invalidArgument(`${field}: empty value for ${spec.key}`);
  if (UNSAFE_CHARACTERS.test(value)) {
    throw AgentError.invalidArgument(`${field}: control characters and line breaks are not allowed; got ${echoValue(value)}`);
  }
  if (UNSTABLE_VALUE.test(value)) {
    throw AgentError.invalidArgument(`${field}: no spaces or quotes at either end and no " #" inside (ocserv would read it differently); got ${echoValue(value)}`);
  }
  const canonical = canonicalOf(spec, value);
  if (canonical === undefined) throw AgentError.invalidArgument(`${field}: ${echoValue(value)} is not ${expectation(spec)}`);
  return canonical;
}

function canonicalOf(spec: OcservOptionSpec, value: string): string | undefined {
  switch (spec.kind) {
    case 'boolean': {
      const lower = value.toLowerCase();
      return BOOLEAN_TRUE.has(lower) ? 'true' : BOOLEAN_FALSE.has(lower) ? 'false' : undefined;
    }
    case 'route': {
      if (value === 'default') return spec.allowsDefault === true ? 'default' : undefined;
      const route = canonicalRoute(value);
      // An iroute of ::/0 would take over the server's own IPv6 default route.
      return spec.allowsDefault !== true && route === '::/0' ? undefined : route;
    }
    case 'ip-address':
      return isIPv4(value) ? value : isIPv6(value) ? value.toLowerCase() : undefined;
    case 'ipv4-address':
      return isIPv4(value) ? value : undefined;
    case 'ipv6-address':
      return isIPv6(value) ? value.toLowerCase() : undefined;
    case 'ipv4-network':
      return canonicalIpv4Network(value);
    case 'ipv4-netmask':
      return prefixOfNetmask(value) === undefined ? undefined : value;
    case 'ipv6-network': {
      const route = canonicalRoute(value);
      return route !== undefined && route.includes(':') && route.includes('/') ? route : undefined;
    }
    case 'domain':
      return DOMAIN_PATTERN.test(value) ? value.toLowerCase() : undefined;
    case 'integer': {
      const canonical = canonicalInteger(value, spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER);
      return canonical !== undefined && canonical !== '0' && Number(canonical) < (spec.nonZeroMin ?? 0) ? undefined : canonical;
    }
    case 'net-priority':
      return /^[0-7]$/.test(value) ? value : /^0x[0-9a-fA-F]{1,2}$/.test(value) ? value.toLowerCase() : undefined;
    case 'port-rules':
      return canonicalPortRules(value);
    case 'cgroup':
      return CGROUP_PATTERN.test(value) && !value.includes('..') ? value : undefined;
    case 'path':
      return PATH_PATTERN.test(value) && !value.split('/').includes('..') ? value : undefined;
  }
}

function expectation(spec: OcservOptionSpec): string {
  switch (spec.kind) {
    case 'boolean':
      return 'true or false';
    case 'route':
      return `a route like 10.0.0.0/8, 10.0.0.0/255.0.0.0 or 2001:db8::/32${spec.allowsDefault === true ? ', or default' : ''} (a prefix is required, 1-32 for IPv4: ocserv refuses the login otherwise)`;
    case 'ip-address':
      return 'an IPv4 or IPv6 address';
    case 'ipv4-address':
      return 'an IPv4 address';
    case 'ipv6-address':
      return 'an IPv6 address';
    case 'ipv4-network':
      return 'an IPv4 network like 192.168.1.0 or 192.168.1.0/24';
    case 'ipv4-netmask':
      return 'an IPv4 netmask like 255.255.255.0';
    case 'ipv6-network':
      return 'an IPv6 network like 2001:db8::/48';
    case 'domain':
      return 'a domain name';
    case 'integer':
      return `a whole number ${spec.min ?? 0}..${spec.max ?? Number.MAX_SAFE_INTEGER}${spec.nonZeroMin === undefined ? '' : ` (0, or at least ${spec.nonZeroMin})`}`;
    case 'net-priority':
      return 'a priority 0-7 or a TOS byte like 0x10';
    case 'port-rules':
      return 'port rules like "tcp(443), udp(53), icmp()" or "!(tcp(22))"';
    case 'cgroup':
      return 'a cgroup like "cpuset,cpu:vpn"';
    case 'path':
      return 'an absolute path';
  }
}

/**
 * network/prefix with host bits cleared. A prefix is required: ocserv's route sanity check
 * fails the session on a bare IPv4 address (every version) and a bare IPv6 one (1.5.1).
 * IPv4 needs 1-32 (or a netmask): /0 fails the login before 1.5.1 (use `default`).
 */
function canonicalRoute(value: string): string | undefined {
  const parts = value.split('/');
  if (parts.length > 2) return undefined;
  const [address = '', suffix] = parts;
  if (isIPv4(address)) {
    if (suffix === undefined) return undefined;
    const prefix = /^\d{1,2}$/.test(suffix) ? Number(suffix) : prefixOfNetmask(suffix);
    if (prefix === undefined || prefix < 1 || prefix > 32) return undefined;
    return `${maskIpv4(address, prefix)}/${prefix}`;
  }
  if (isIPv6(address)) {
    // ocserv 1.5.1's route check fails the login on a bare IPv6 address too.
    if (suffix === undefined || !/^\d{1,3}$/.test(suffix) || Number(suffix) > 128) return undefined;
    return `${maskIpv6(address, Number(suffix))}/${Number(suffix)}`;
  }
  return undefined;
}

function canonicalIpv4Network(value: string): string | undefined {
  const [address = '', suffix, ...rest] = value.split('/');
  if (rest.length > 0 || !isIPv4(address)) return undefined;
  if (suffix === undefined) return address;
  if (!/^\d{1,2}$/.test(suffix) || Number(suffix) < 1 || Number(suffix) > 32) return undefined;
  return `${maskIpv4(address, Number(suffix))}/${Number(suffix)}`;
}

function canonicalInteger(value: string, min: number, max: number): string | undefined {
  if (!INTEGER_PATTERN.test(value)) return undefined;
  const number = Number(value);
  return number >= min && number <= max ? String(number) : undefined;
}

/** Rules separated by commas, optionally wrapped in !( ... ); written as `tcp(443), udp(53)`. */
function canonicalPortRules(value: string): string | undefined {
  const negated = value.startsWith('!');
  let body = negated ? value.slice(1).trim() : value;
  if (negated) {
    if (!body.startsWith('(') || !body.endsWith(')')) return undefined;
    body = body.slice(1, -1);
  }
  const rules = body.split(',').map((rule) => rule.replace(/ /g, ''));
  const canonical: string[] = [];
  for (const rule of rules) {
    const match = PORT_RULE.exec(rule);
    if (match === null) return undefined;
    if (match[2] !== undefined && (Number(match[2]) < 1 || Number(match[2]) > 65_535)) return undefined;
    canonical.push(match[1] !== undefined ? `${match[1]}(${Number(match[2])})` : `${match[3]}()`);
  }
  return negated ? `!(${canonical.join(', ')})` : canonical.join(', ');
}

/** The prefix length of a contiguous IPv4 netmask; undefined for anything else. */
export function prefixOfNetmask(mask: string): number | undefined {
  if (!isIPv4(mask)) return undefined;
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

function maskIpv4(address: string, prefix: number): string {
  const value = address.split('.').reduce((total, octet) => total * 256 + Number(octet), 0);
  const masked = prefix === 0 ? 0 : Math.floor(value / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
  return [24, 16, 8, 0].map((shift) => Math.floor(masked / 2 ** shift) % 256).join('.');
}

function maskIpv6(address: string, prefix: number): string {
  const groups = expandIpv6(address);
  let bits = groups.map((group) => group.toString(2).padStart(16, '0')).join('');
  bits = bits.slice(0, prefix).padEnd(128, '0');
  const masked = Array.from({ length: 8 }, (_, index) => parseInt(bits.slice(index * 16, index * 16 + 16), 2));
  return compressIpv6(masked);
}

function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const ipv4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (ipv4Tail !== null && ipv4Tail[1] !== undefined) {
    const octets = ipv4Tail[1].split('.').map(Number);
    text = `${text.slice(0, -ipv4Tail[1].length)}${(((octets[0] ?? 0) << 8) | (octets[1] ?? 0)).toString(16)}:${(((octets[2] ?? 0) << 8) | (octets[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...fill, ...tailGroups].map((group) => parseInt(group, 16));
}

/** RFC 5952: lower case, the longest run of two or more zero groups as "::". */
function compressIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength && end - start >= 2) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
