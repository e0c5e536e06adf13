import { z } from 'zod';
import {
  MAX_DENY_REASON_LENGTH,
  MAX_DNS_SERVERS_PER_ENTRY,
  MAX_POLICY_DEVICES,
  MAX_POLICY_GROUPS,
  MAX_POLICY_USERS,
  MAX_ROUTES_PER_ENTRY,
} from './policy-limits.constant';
import { isIpAddress, isIpNetwork } from '../validation/ip-network';
import { DEVICE_ID_PATTERN, VPN_NAME_PATTERN } from '../validation/vpn-identifiers';

/*
 * The policy file as an operator writes it (docs/portal-simulator.md, "Policy file").
 * Read by authorization.mode "local" and by the portal simulator. Every object is
 * strict: a mistyped key (`rutes:`) must stop the load, not silently grant nothing.
 */

export const DEFAULT_DENY_REASON = 'not in policy';
export const ENTRY_DENY_REASON = 'denied by policy';

const route = z.string().refine(isIpNetwork, { error: 'expected an IP network like 10.0.0.0/8 or 2001:db8::/32, or one address' });

const dnsServer = z.string().refine(isIpAddress, { error: 'expected an IPv4 or IPv6 address' });

const denyReason = z
  .string()
  .max(MAX_DENY_REASON_LENGTH, { error: `expected at most ${MAX_DENY_REASON_LENGTH} characters` })
  // It ends up in ocserv's log and the agent's JSON log lines; a newline would forge a line.
  .regex(/^[^\x00-\x1f\x7f]*$/, { error: 'expected text without control characters (newlines, tabs, ...)' });

const name = z.string().regex(VPN_NAME_PATTERN, {
  error: 'expected 1-64 characters of A-Z a-z 0-9 . _ @ + -, not starting with . or -',
});

function entrySchema(defaultDenyReason: string) {
  return z.strictObject({
    allow: z.boolean(),
    deny_reason: denyReason.default(defaultDenyReason),
    routes: z.array(route).max(MAX_ROUTES_PER_ENTRY, { error: `expected at most ${MAX_ROUTES_PER_ENTRY} routes` }).default([]),
    dns_servers: z
      .array(dnsServer)
      .max(MAX_DNS_SERVERS_PER_ENTRY, { error: `expected at most ${MAX_DNS_SERVERS_PER_ENTRY} DNS servers` })
      .default([]),
  });
}

export const POLICY_ENTRY_KEYS = ['allow', 'deny_reason', 'routes', 'dns_servers'] as const;

const deviceName = z.string().max(128).regex(DEVICE_ID_PATTERN, {
  error: 'expected 1-128 characters of A-Z a-z 0-9 . _ : @ + -, not starting with . : @ + or -',
});

/** Counted before any entry is validated, so an oversized section costs one pass over its keys. */
function namedEntries(what: string, max: number, key: z.ZodString = name) {
  return z
    .record(z.string(), z.unknown())
    .refine((entries) => Object.keys(entries).length <= max, { error: `expected at most ${max.toLocaleString('en-US')} ${what}` })
    .pipe(z.record(key, entrySchema(ENTRY_DENY_REASON)));
}

export const policyFileSchema = z.strictObject({
  default: entrySchema(DEFAULT_DENY_REASON).default({
    allow: false,
    deny_reason: DEFAULT_DENY_REASON,
    routes: [],
    dns_servers: [],
  }),
  users: namedEntries('users', MAX_POLICY_USERS).default({}),
  groups: namedEntries('groups', MAX_POLICY_GROUPS).default({}),
  devices: namedEntries('devices', MAX_POLICY_DEVICES, deviceName).default({}),
});

export const POLICY_FILE_KEYS = ['default', 'users', 'groups', 'devices'] as const;

export type PolicyFile = z.output<typeof policyFileSchema>;
export type PolicyFileEntry = PolicyFile['default'];
