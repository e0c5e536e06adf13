import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxCheckpointer } from '../../../src/session-events/outbox/outbox-checkpointer';
import { RecordingLogger } from '../builders/recording-logger';

const FAST_INTERVAL_MS = 10;
const WAIT_MS = 3_000;

async function eventually(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not true within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, FAST_INTERVAL_MS));
  }
}

describe(OutboxCheckpointer.name, () => {
  let dir: string;
  let path: string;
  let writer: Database.Database;
  let logger: RecordingLogger;
  let sut: OutboxCheckpointer | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-checkpointer-'));
    path = join(dir, 'events.db');
    writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    // Only the checkpointer may copy the WAL back in this test.
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE t (x TEXT)');
    const insert = writer.prepare('INSERT INTO t VALUES (?)');
    for (let n = 0; n < 500; n += 1) insert.run('x'.repeat(1_000));
    logger = new RecordingLogger();
  });

  afterEach(() => {
    sut?.stop();
    if (writer.open) writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies the WAL into the database file from its own thread', async () => {
    const sizeBefore = statSync(path).size;

    sut = new OutboxCheckpointer(path, 'normal', logger, FAST_INTERVAL_MS);

    await eventually(() => statSync(path).size > sizeBefore + 400 * 1_000);
    expect(logger.warnings).toEqual([]);
  });

  it('returns from stop() only once its connection is closed', async () => {
    sut = new OutboxCheckpointer(path, 'normal', logger, FAST_INTERVAL_MS);
    await eventually(() => statSync(path).size > 400 * 1_000);

    sut.stop();
    // The last connection to close removes the -wal: the writer is the last one now.
    writer.close();

    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('reports a failure once, not on every tick', async () => {
    sut = new OutboxCheckpointer(join(dir, 'missing.db'), 'normal', logger, FAST_INTERVAL_MS);

    await eventually(() => logger.warnings.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 20 * FAST_INTERVAL_MS));

    expect(logger.warnings).toEqual([expect.objectContaining({ msg: 'event outbox background checkpoint failed' })]);
  });
});
