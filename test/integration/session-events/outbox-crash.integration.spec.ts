import { copyFileSync, mkdirSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventOutbox } from '../../../src/session-events/outbox/sqlite-event-outbox';
import type { StoredEvent } from '../../../src/session-events/session-event';
import { runWriterUntilKilled, type CommittedLine } from '../../support/session-events/outbox-writer-process';
import { readWalState, walFrameOffset } from '../../support/session-events/sqlite-wal';
import { aConnectBody } from '../../unit/builders/session-event.builder';
import { drain, OutboxWorkspace, storedEvent } from '../../unit/session-events/outbox-workspace';

/*
 * The outbox in a process that is SIGKILLed while it writes (outbox-writer.ts, the real class
 * through ts-node): every call it reported committed must be there when the file is reopened,
 * the ledger must agree with the events (they commit together), and the file must stay usable.
 */

/** Commits before each kill: early in the burst, mid-burst, past a few background checkpoints. */
const KILL_AFTER_COMMITS = [50, 700, 3_000, 1_500];
/** The WAL test kills before the first background checkpoint (200 ms after open), so the WAL holds every frame. */
const KILL_BEFORE_CHECKPOINT_COMMITS = 60;
/** Bytes into the page of the cut frame: a torn write, neither a frame boundary nor a page boundary. */
const TORN_BYTES_INTO_FRAME = 24 + 1_000;

// Four writer runs, each bounded by WRITER_TIMEOUT_MS (45 s) only when something is wrong; ~4 s in all normally.
jest.setTimeout(240_000);

interface Reopened {
  readonly events: StoredEvent[];
  readonly liveIds: Set<string>;
}

/** Opens the file as the agent would after the crash, then takes everything out of it. */
function reopenAndDrain(workspace: OutboxWorkspace, path = workspace.path): Reopened {
  const outbox = workspace.open({ path });
  const liveIds = new Set(outbox.liveSessions().map((live) => live.sessionId));
  const events = drain(outbox);
  outbox.close();
  return { events, liveIds };
}

function filesAside(workspace: OutboxWorkspace): string[] {
  return readdirSync(workspace.dir).filter((name) => /\.(corrupt|foreign|schema-v\d+)-/.test(name));
}

describe(`${SqliteEventOutbox.name} killed mid-burst`, () => {
  let workspace: OutboxWorkspace;

  beforeEach(() => {
    workspace = new OutboxWorkspace();
  });

  afterEach(() => workspace.dispose());

  it('keeps every reported commit across repeated kill -9, with the ledger in step, and goes on writing', async () => {
    let highestSeq = 0;
    for (const [round, killAfter] of KILL_AFTER_COMMITS.entries()) {
      const prefix = `r${round}`;
      const run = await runWriterUntilKilled(workspace.path, prefix, killAfter);
      expect({ round, signal: run.signal }).toEqual({ round, signal: 'SIGKILL' });

      const { events, liveIds } = reopenAndDrain(workspace);

      const found = new Set(events.map((event) => event.seq));
      const missing = run.committed.filter((line) => !found.has(line.seq));
      expect({ round, missing }).toEqual({ round, missing: [] });
      // At most the one call that committed while its line was not yet written.
      const reported = new Set(run.committed.map((line) => line.seq));
      const unreported = events.filter((event) => !reported.has(event.seq));
      expect(unreported.length).toBeLessThanOrEqual(1);
      expect(Math.min(...events.map((event) => event.seq))).toBeGreaterThan(highestSeq);
      expect(unreported.every((event) => event.seq > Math.max(...reported))).toBe(true);

      const lastKindBySession = new Map(events.map((event) => [event.body.sessionId, event.body.kind]));
      const expectedLive = [...lastKindBySession].filter(([, kind]) => kind !== 'disconnect').map(([id]) => id);
      const liveThisRound = [...liveIds].filter((id) => id.startsWith(`${prefix}-`));
      expect({ round, live: liveThisRound.sort() }).toEqual({ round, live: expectedLive.sort() });

      highestSeq = Math.max(...events.map((event) => event.seq));
    }

    const after = workspace.open();
    expect(storedEvent(after.recordConnect(aConnectBody({ sessionId: 'after-the-crashes' }), Date.now())).seq).toBeGreaterThan(highestSeq);
    expect(filesAside(workspace)).toEqual([]);
    expect(workspace.logger.errors).toEqual([]);
    expect(workspace.logger.warnings).toEqual([]);
  });

  it('opens a WAL torn mid-frame after a kill and keeps exactly the commits before the cut', async () => {
    const run = await runWriterUntilKilled(workspace.path, 'torn', KILL_BEFORE_CHECKPOINT_COMMITS);
    const wal = readWalState(workspace.path);
    expect(wal.mxFrame - wal.nBackfill).toBeGreaterThan(10);
    const firstLostFrame = wal.nBackfill + Math.ceil((wal.mxFrame - wal.nBackfill) / 2);
    // The same cut at a frame boundary, in a copy: what "the commits before the cut" are.
    const cleanDir = join(workspace.dir, 'clean-cut');
    mkdirSync(cleanDir);
    const cleanPath = join(cleanDir, 'events.db');
    copyFileSync(workspace.path, cleanPath);
    copyFileSync(`${workspace.path}-wal`, `${cleanPath}-wal`);
    truncateSync(`${cleanPath}-wal`, walFrameOffset(wal, firstLostFrame));
    truncateSync(`${workspace.path}-wal`, walFrameOffset(wal, firstLostFrame) + TORN_BYTES_INTO_FRAME);

    const torn = reopenAndDrain(workspace);
    const clean = reopenAndDrain(workspace, cleanPath);

    expect(torn).toEqual(clean);
    const kept = torn.events.map((event) => event.seq).sort((a, b) => a - b);
    const committedInOrder = run.committed.map((line: CommittedLine) => line.seq);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(committedInOrder.length);
    expect(kept).toEqual(committedInOrder.slice(0, kept.length));
    expect(filesAside(workspace)).toEqual([]);
    expect(workspace.logger.errors).toEqual([]);

    const after = workspace.open();
    expect(storedEvent(after.recordConnect(aConnectBody({ sessionId: 'after-the-cut' }), Date.now())).seq).toBeGreaterThan(kept[kept.length - 1]);
  });
});
