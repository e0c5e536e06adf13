import type { OcctlBan, OcctlCookieSession, OcctlIroute, OcctlStatus, OcctlUser } from '../occtl-records';
import type { OcctlRecord, OcctlValue } from './occtl-json.parser';
import { OcctlOutputError } from './occtl-output.error';
import { asBool, asEpochMs, asInt, asString, asStringList, parseOcctlElapsedSeconds, parseOcctlLocalTime } from './occtl-values';

/*
 * Parsed occtl records -> typed values. List commands return what could be
 * read plus how many records could not (no id, no name, ...): one odd record
 * must not hide every other session, but the caller should hear about it.
 */

export interface OcctlUsersResult {
  readonly users: OcctlUser[];
  readonly skipped: number;
}

export interface OcctlBansResult {
  readonly bans: OcctlBan[];
  readonly skipped: number;
}

export interface OcctlIroutesResult {
  readonly iroutes: OcctlIroute[];
  readonly skipped: number;
}

export interface OcctlCookieSessionsResult {
  readonly sessions: OcctlCookieSession[];
  readonly skipped: number;
}

/** occtl prints this where a name is empty (no group; a user not yet authenticated). */
const OCCTL_NO_NAME = '(none)';

/** The three ways occtl states one point in time, best first (see bestTimeMs). */
interface TimeFields {
  /** Epoch seconds (`raw_*`), printed by later versions. */
  readonly raw: string;
  /** Elapsed time ("_*"), e.g. " 5m:03s". */
  readonly elapsed: string;
  /** Local time to the minute, e.g. "2026-11-21 19:10". */
  readonly local: string;
}

const CONNECTED_AT: TimeFields = { raw: 'raw_connected_at', elapsed: '_Connected at', local: 'Connected at' };
const BANNED_SINCE: TimeFields = { raw: 'raw_since', elapsed: '_Since', local: 'Since' };
const SESSION_CREATED: TimeFields = { raw: 'raw_created', elapsed: '_Created', local: 'Created' };

export function toOcctlUsers(records: readonly OcctlRecord[], nowMs: number): OcctlUsersResult {
  const { items, skipped } = mapReadable(records, (record) => toUser(record, nowMs));
  return { users: items, skipped };
}

export function toOcctlBans(records: readonly OcctlRecord[], nowMs: number): OcctlBansResult {
  const { items, skipped } = mapReadable(records, (record) => toBan(record, nowMs));
  return { bans: items, skipped };
}

export function toOcctlIroutes(records: readonly OcctlRecord[]): OcctlIroutesResult {
  const { items, skipped } = mapReadable(records, toIroute);
  return { iroutes: items, skipped };
}

export function toOcctlCookieSessions(records: readonly OcctlRecord[], nowMs: number): OcctlCookieSessionsResult {
  const { items, skipped } = mapReadable(records, (record) => toCookieSession(record, nowMs));
  return { sessions: items, skipped };
}

/** The first record with a Status; throws OcctlOutputError when there is none. */
export function toOcctlStatus(records: readonly OcctlRecord[], nowMs: number): OcctlStatus {
  const record = records.find((candidate) => text(candidate, 'Status') !== '');
  if (record === undefined) {
    throw new OcctlOutputError('occtl "show status" printed no status record', JSON.stringify(records.slice(0, 1)));
  }
  return {
    status: text(record, 'Status'),
    serverPid: asInt(field(record, 'Server PID')),
    secModPid: asInt(field(record, 'Sec-mod PID')),
    upSinceMs: upSinceMs(record, nowMs),
    activeSessions: count(record, 'Active sessions'),
    totalSessions: count(record, 'Total sessions'),
    ipsInBanList: count(record, 'IPs in ban list'),
    totalAuthenticationFailures: count(record, 'Total authentication failures'),
    // "RX" is human-readable here ("0 bytes"); raw_rx is the counter.
    rxBytes: count(record, 'raw_rx', 'RX'),
    txBytes: count(record, 'raw_tx', 'TX'),
  };
}

/** The worker id and username every per-session record needs; undefined when either is missing. */
function sessionIdentity(record: OcctlRecord): { id: number; username: string } | undefined {
  const id = workerId(record);
  const username = name(record, 'Username');
  return id === undefined || username === '' ? undefined : { id, username };
}

function toUser(record: OcctlRecord, nowMs: number): OcctlUser | undefined {
  const identity = sessionIdentity(record);
  if (identity === undefined) return undefined;
  return {
    ...identity,
    groupname: name(record, 'Groupname'),
    state: text(record, 'State'),
    vhost: text(record, 'vhost'),
    device: text(record, 'Device'),
    mtu: asInt(field(record, 'MTU')),
    remoteIp: text(record, 'Remote IP'),
    localDeviceIp: text(record, 'Local Device IP'),
    ipv4: text(record, 'IPv4'),
    ptpIpv4: text(record, 'P-t-P IPv4'),
    ipv6: text(record, 'IPv6'),
    ptpIpv6: text(record, 'P-t-P IPv6'),
    userAgent: text(record, 'User-Agent'),
    hostname: text(record, 'Hostname'),
    rxBytes: count(record, 'RX'),
    txBytes: count(record, 'TX'),
    connectedAtMs: bestTimeMs(record, CONNECTED_AT, nowMs),
    session: text(record, 'Session'),
    fullSession: text(record, 'Full session'),
    tlsCiphersuite: text(record, 'TLS ciphersuite'),
    dtlsCipher: text(record, 'DTLS cipher'),
    dns: list(record, 'DNS'),
    nbns: list(record, 'NBNS'),
    splitDnsDomains: list(record, 'Split-DNS-Domains'),
    routes: list(record, 'Routes'),
    noRoutes: list(record, 'No-routes'),
    iroutes: list(record, 'iRoutes'),
    restrictedToRoutes: asBool(field(record, 'Restricted to routes')) ?? false,
    restrictedToPorts: list(record, 'Restricted to ports'),
  };
}

function toBan(record: OcctlRecord, nowMs: number): OcctlBan | undefined {
  const ip = text(record, 'IP');
  if (ip === '') return undefined;
  return { ip, score: count(record, 'Score'), sinceMs: bestTimeMs(record, BANNED_SINCE, nowMs) };
}

function toIroute(record: OcctlRecord): OcctlIroute | undefined {
  const identity = sessionIdentity(record);
  if (identity === undefined) return undefined;
  return {
    ...identity,
    vhost: text(record, 'vhost'),
    device: text(record, 'Device'),
    ip: text(record, 'IP'),
    iroutes: list(record, 'iRoutes'),
  };
}

function toCookieSession(record: OcctlRecord, nowMs: number): OcctlCookieSession | undefined {
  const session = text(record, 'Session');
  if (session === '') return undefined;
  return {
    session,
    fullSession: text(record, 'Full session'),
    createdAtMs: bestTimeMs(record, SESSION_CREATED, nowMs),
    state: text(record, 'State'),
    username: name(record, 'Username'),
    groupname: name(record, 'Groupname'),
    vhost: text(record, 'vhost'),
    userAgent: text(record, 'User-Agent'),
    remoteIp: text(record, 'Remote IP'),
    location: text(record, 'Location'),
    sessionIsOpen: asBool(field(record, 'session_is_open')) ?? false,
    tlsAuthOk: asBool(field(record, 'tls_auth_ok')) ?? false,
    inUse: asBool(field(record, 'in_use')) ?? false,
  };
}

/**
 * Exact epoch seconds when printed; else now minus the elapsed time (1.1.6
 * prints the local time to the minute only, the elapsed time to the second
 * while it is under a minute); else the local time.
 */
function bestTimeMs(record: OcctlRecord, fields: TimeFields, nowMs: number): number | undefined {
  const rawMs = asEpochMs(field(record, fields.raw));
  if (rawMs !== undefined) return rawMs;
  const elapsedSeconds = parseOcctlElapsedSeconds(text(record, fields.elapsed));
  if (elapsedSeconds !== undefined) return nowMs - elapsedSeconds * 1000;
  return parseOcctlLocalTime(text(record, fields.local));
}

/**
 * Restart detection compares this between polls, so a stable value comes
 * before now-minus-uptime (which drifts by the poll's rounding).
 */
function upSinceMs(record: OcctlRecord, nowMs: number): number | undefined {
  const stableMs = asEpochMs(field(record, 'raw_up_since')) ?? parseOcctlLocalTime(text(record, 'Up since'));
  if (stableMs !== undefined) return stableMs;
  const uptimeSeconds = asInt(field(record, 'uptime')) ?? parseOcctlElapsedSeconds(text(record, '_Up since'));
  return uptimeSeconds === undefined ? undefined : nowMs - uptimeSeconds * 1000;
}

function mapReadable<T>(records: readonly OcctlRecord[], map: (record: OcctlRecord) => T | undefined): { items: T[]; skipped: number } {
  const items: T[] = [];
  for (const record of records) {
    const item = map(record);
    if (item !== undefined) items.push(item);
  }
  return { items, skipped: records.length - items.length };
}

/** Own fields only: a record is built from occtl's keys, and "constructor" is not one of them. */
function field(record: OcctlRecord, key: string): OcctlValue | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function text(record: OcctlRecord, key: string): string {
  return asString(field(record, key));
}

function name(record: OcctlRecord, key: string): string {
  const value = text(record, key);
  return value === OCCTL_NO_NAME ? '' : value;
}

function list(record: OcctlRecord, key: string): string[] {
  return asStringList(field(record, key));
}

/** A non-negative integer from the first key that has one; 0 when none does. */
function count(record: OcctlRecord, ...keys: string[]): number {
  for (const key of keys) {
    const value = asInt(field(record, key));
    if (value !== undefined && value >= 0) return value;
  }
  return 0;
}

function workerId(record: OcctlRecord): number | undefined {
  const id = asInt(field(record, 'ID'));
  return id !== undefined && id > 0 ? id : undefined;
}
