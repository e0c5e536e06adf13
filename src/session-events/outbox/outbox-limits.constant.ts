/** The outbox's fixed tuning; what an operator may change lives in EventsConfig (events.*). */

/** The config key named in errors about the file, so an operator knows what to fix. */
export const OUTBOX_PATH_CONFIG_KEY = 'events.outbox_path';

/**
 * How long a write waits for a lock held by someone else (an operator's sqlite3 shell mid-checkpoint).
 * better-sqlite3 is synchronous: this wait blocks the event loop, so it stays short.
 */
export const OUTBOX_BUSY_TIMEOUT_MS = 1_000;

/**
 * When the WAL starts over after a complete checkpoint, the file is truncated back to this size,
 * so a burst that grew it does not keep the disk space (see the checkpoint constants below).
 */
export const OUTBOX_JOURNAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/** The file holds usernames, addresses and metadata: owner only. */
export const OUTBOX_FILE_MODE = 0o600;

/** A drop is logged the first time, then once every this many of its kind (a full outbox must not flood the journal). */
export const OUTBOX_DROP_LOG_EVERY = 1_000;

/** Updates evicted per query while making room (the rest of the table is never read in one go). */
export const OUTBOX_EVICTION_BATCH = 64;

/**
 * How often the background checkpointer copies the WAL into the database while it is idle. A
 * checkpoint costs two fsyncs (~3-4 ms on the dev VM); run inline by the committing connection, as
 * SQLite does by default, it lands on whichever recordConnect crosses the threshold: measured
 * recordConnect p99 2.9-4.4 ms inline (1000-page autocheckpoint) against 0.2-0.8 ms with this thread.
 */
export const OUTBOX_CHECKPOINT_INTERVAL_MS = 200;

/** Its interval while the writer keeps adding frames: it must keep up, or the writer's fallback checkpoints inline. */
export const OUTBOX_CHECKPOINT_BUSY_INTERVAL_MS = 10;

/**
 * The writing connection still checkpoints by itself past this many WAL pages (~32 MiB), so the
 * WAL stays bounded if the background checkpointer died or cannot keep up with a login burst
 * (150,000 back-to-back commits on the dev VM: the -wal peaked near 60 MiB, then was cut back).
 */
export const OUTBOX_FALLBACK_AUTOCHECKPOINT_PAGES = 8_192;

/** close() waits this long at most for the checkpointer thread to close its connection (it is in one checkpoint at worst). */
export const OUTBOX_CHECKPOINTER_STOP_TIMEOUT_MS = 2_000;
