/*
 * Bounds on what the agent reads at boot. An operator's config is a few KiB; the
 * bounds keep a mistaken path (a log, /dev/zero) or a hostile file from costing
 * unbounded memory or time before anything listens.
 */

/** The YAML config file is refused unread past this. 1 MiB holds about 20,000 grpc.access.identities entries. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** A TLS file named by the config (certificate, key, CA bundle); the Mozilla CA bundle is about 220 KB. */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

/**
 * How many times YAML aliases may be expanded (yaml's maxAliasCount: uses of an
 * anchor times the aliases nested inside it). yaml's own default is also 100; it
 * is named here because the error message quotes it. A config reuses a value a
 * few times at most (one CA path for two sections).
 */
export const MAX_CONFIG_YAML_ALIAS_COUNT = 100;
