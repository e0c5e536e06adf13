/*
 * Bounds on a policy file. They keep a mistaken or hostile file from costing the
 * agent unbounded memory or time at load; each is far above real use.
 */

/** Larger files are refused unread. 100,000 users with a route and a DNS server each is about 8 MiB. */
export const MAX_POLICY_FILE_BYTES = 32 * 1024 * 1024;

export const MAX_POLICY_USERS = 100_000;
export const MAX_POLICY_GROUPS = 10_000;
export const MAX_POLICY_DEVICES = 100_000;
export const MAX_ROUTES_PER_ENTRY = 1_024;
export const MAX_DNS_SERVERS_PER_ENTRY = 16;
export const MAX_DENY_REASON_LENGTH = 256;

/**
 * How many times YAML aliases may be expanded (yaml's maxAliasCount: uses of an
 * anchor times the aliases nested inside it). Aliases share one JS object, but
 * validation walks every use, so a "billion laughs" file would cost exponential
 * time. Shared routes belong in a group, not in thousands of aliases.
 */
export const MAX_YAML_ALIAS_COUNT = 1_000;

