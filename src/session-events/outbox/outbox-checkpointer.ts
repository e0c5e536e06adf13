import { Worker } from 'node:worker_threads';
import type { LoggerService } from '@nestjs/common';
import type { OutboxSynchronous } from './outbox-database';
import {
  OUTBOX_CHECKPOINT_BUSY_INTERVAL_MS,
  OUTBOX_CHECKPOINT_INTERVAL_MS,
  OUTBOX_CHECKPOINTER_STOP_TIMEOUT_MS,
} from './outbox-limits.constant';

/*
 * Runs in a worker thread on its own connection. PASSIVE never waits for the writer, and the
 * writer never waits for it: the fsyncs of a checkpoint happen off the event loop that answers
 * logins. Its synchronous level is the writer's, because a checkpoint syncs by the level of the
 * connection that runs it. A failure is reported once until the next success, not every tick.
 * Plain JS evaluated by the worker: a worker cannot load the agent's TypeScript under ts-node or jest.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const closed = new Int32Array(workerData.closedFlag);
let db;
let timer;
let lastFailure;
let backfilledBefore = 0;
function report(error) {
  const message = String((error && error.message) || error);
  if (message !== lastFailure) parentPort.postMessage({ failed: message });
  lastFailure = message;
}
function checkpoint() {
  let delayMs = workerData.intervalMs;
  try {
    if (db === undefined) {
      db = new Database(workerData.path, { fileMustExist: true });
      db.pragma('synchronous = ' + workerData.synchronous);
    }
    const [{ checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    lastFailure = undefined;
    // Frames came in since the last run: the writer is busy, so come back soon, or the WAL
    // outgrows the writer's fallback and that connection checkpoints on the login path.
    if (checkpointed !== backfilledBefore) delayMs = workerData.busyIntervalMs;
    backfilledBefore = checkpointed;
  } catch (error) {
    report(error);
  }
  timer = setTimeout(checkpoint, delayMs);
}
timer = setTimeout(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  try { if (db !== undefined) db.close(); } catch {}
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  parentPort.close();
});
`;

/**
 * Copies the outbox's WAL into its database from a worker thread, so no record* call pays for a
 * checkpoint. The writer keeps a high autocheckpoint as a fallback (outbox-database.ts).
 */
export class OutboxCheckpointer {
  private stopped = false;
  private crashed = false;
  private readonly worker: Worker;
  /** Set by the worker once its connection is closed; stop() waits for it. */
  private readonly closedFlag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

  constructor(
    path: string,
    synchronous: OutboxSynchronous,
    private readonly logger: LoggerService,
    intervalMs = OUTBOX_CHECKPOINT_INTERVAL_MS,
  ) {
    this.worker = new Worker(CHECKPOINTER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        path,
        synchronous: synchronous.toUpperCase(),
        intervalMs,
        busyIntervalMs: OUTBOX_CHECKPOINT_BUSY_INTERVAL_MS,
        closedFlag: this.closedFlag.buffer,
      },
    });
    // Never the reason the agent stays up; stop() ends it on close().
    this.worker.unref();
    this.worker.on('message', (message: { failed?: string }) => this.warn('event outbox background checkpoint failed', message.failed));
    this.worker.on('error', (error) => {
      this.crashed = true;
      this.warn('event outbox background checkpointer stopped; the writer checkpoints by itself from now on', error.message);
    });
  }

  /**
   * Blocks until the worker's connection is closed (at most one checkpoint in progress, or the
   * worker's start-up): afterwards nothing of ours has the file open but the writer, so the
   * writer's own close is the last one and leaves the database checkpointed without -wal.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.crashed) return;
    this.worker.postMessage('stop');
    Atomics.wait(this.closedFlag, 0, 0, OUTBOX_CHECKPOINTER_STOP_TIMEOUT_MS);
  }

  private warn(msg: string, error: string | undefined): void {
    if (!this.stopped) this.logger.warn({ msg, error });
  }
}
