/** The earlier agent's framing caps a frame at 1 MiB whatever ipc.max_request_bytes says. */
export const LEGACY_FRAME_MAX_BYTES = 1024 * 1024;
/** Size of the earlier agent's big-endian length prefix. */
export const LEGACY_LENGTH_PREFIX_BYTES = 4;

/** ocserv sets ~20 variables plus a few IPV6_ / OCSERV_ routes ones; 64 leaves room. */
export const HOOK_ENV_MAX_VARS = 64;
/** OCSERV_ROUTES with many routes is the longest real value; a few KiB in practice. */
export const HOOK_ENV_VALUE_MAX_BYTES = 16 * 1024;
export const HOOK_ENV_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/** budget_ms the hook may state (its hook.conf timeout_ms). */
export const HOOK_BUDGET_MIN_MS = 100;
export const HOOK_BUDGET_MAX_MS = 600_000;

/**
 * A handler still running this long after its budget is answered "deny" (fail closed) and
 * the connection moves on. The domain already bounds a decision by the budget; this only
 * catches a handler that never settles, which would otherwise pin its connection slot.
 */
export const HANDLER_GRACE_MS = 1000;

/** A connection turned away over ipc.max_connections is destroyed at the latest after this, refusal flushed or not. */
export const OVER_CAPACITY_LINGER_MS = 1000;

/** On shutdown, requests in flight get this long to answer before their connections are cut. */
export const SHUTDOWN_DRAIN_MS = 2000;

/** At most one warn line per refusal reason per interval; the metrics keep the exact counts. */
export const REFUSAL_WARN_INTERVAL_MS = 1000;

/** Owner and socket_group may connect (connecting to a Unix socket needs write permission). */
export const SOCKET_FILE_MODE = 0o660;
export const SOCKET_DIR_MODE = 0o755;
/** How long the stale-socket probe waits for a connect to a path that already exists. */
export const STALE_SOCKET_PROBE_TIMEOUT_MS = 1000;
/** Linux sun_path is 108 bytes including the terminating NUL. */
export const SOCKET_PATH_MAX_BYTES = 107;
