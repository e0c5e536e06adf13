import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OutboxOpenError } from '../../../src/session-events/outbox/outbox-open.error';
import { OUTBOX_SCHEMA_VERSION } from '../../../src/session-events/outbox/outbox-schema';
import { SqliteEventOutbox } from '../../../src/session-events/outbox/sqlite-event-outbox';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aConnectBody, aDisconnectBody, anUpdateBody } from '../builders/session-event.builder';
import { drain, EVERYTHING_DUE_MS, OutboxWorkspace, storedEvent } from './outbox-workspace';

const T0 = FAKE_CLOCK_START_MS;

const alice = aConnectBody({ sessionId: 'a1', username: 'alice' });
const bob = aConnectBody({ sessionId: 'b1', username: 'bob' });

describe(`${SqliteEventOutbox.name} on disk`, () => {
  let workspace: OutboxWorkspace;

  beforeEach(() => {
    workspace = new OutboxWorkspace();
  });

  afterEach(() => workspace.dispose());

  function filesAside(marker: string): string[] {
    return readdirSync(workspace.dir).filter((name) => name.includes(`.${marker}-`));
  }

  describe('reopened', () => {
    it('keeps every undelivered event as it was and the ledger of live sessions', () => {
      const first = workspace.open();
      first.recordConnect(alice, T0);
      first.recordConnect(bob, T0);
      first.recordDisconnect(aDisconnectBody({ sessionId: 'b1', username: 'bob' }), T0, T0 + 5);
      const [leased] = first.lease(T0, 1);
      first.failed(leased.seq, T0 + 100);
      const statsBefore = first.stats();
      first.close();

      const sut = workspace.open();

      expect(sut.stats()).toEqual(statsBefore);
      expect(sut.liveSessions().map((live) => live.connect)).toEqual([alice]);
      expect(drain(sut).map((event) => [event.body.kind, event.body.sessionId, event.attempts])).toEqual([
        ['connect', 'a1', 1],
        ['connect', 'b1', 0],
        ['disconnect', 'b1', 0],
      ]);
    });

    it('keeps seq increasing, also after everything was delivered', () => {
      const first = workspace.open();
      const earlier = storedEvent(first.recordConnect(alice, T0));
      drain(first);
      first.close();

      const later = storedEvent(workspace.open().recordConnect(bob, T0));

      expect(later.seq).toBeGreaterThan(earlier.seq);
    });

    it('leaves the database checkpointed and without -wal once closed', () => {
      const first = workspace.open();
      first.recordConnect(alice, T0);

      first.close();

      expect(existsSync(`${workspace.path}-wal`)).toBe(false);
      expect(drain(workspace.open()).map((event) => event.body)).toEqual([alice]);
    });

    it('works the same with synchronous full', () => {
      const first = workspace.open({ synchronous: 'full' });
      first.recordConnect(alice, T0);
      first.close();

      expect(drain(workspace.open({ synchronous: 'full' })).map((event) => event.body)).toEqual([alice]);
    });
  });

  describe('unreadable rows', () => {
    it('skips, removes and counts an event whose body is not JSON, and the session goes on', () => {
      const sut = workspace.open();
      sut.recordConnect(alice, T0);
      sut.recordUpdate(anUpdateBody({ sessionId: 'a1', username: 'alice' }), T0);
      workspace.raw().prepare(`UPDATE events SET body = '{"kind":"conn' WHERE session_id = 'a1' AND kind = 'connect'`).run();

      const leased = sut.lease(EVERYTHING_DUE_MS, 10);

      expect(leased.map((event) => event.body.kind)).toEqual(['update']);
      expect(sut.stats()).toMatchObject({ corruptSkipped: 1, pending: 1 });
      expect(workspace.logger.warnings).toEqual([expect.objectContaining({ msg: 'event outbox row unreadable, removed', table: 'events' })]);
    });

    it('skips an event whose JSON is not an event of its kind', () => {
      const sut = workspace.open();
      sut.recordConnect(alice, T0);
      workspace.raw().prepare(`UPDATE events SET body = '{"kind":"update"}'`).run();

      expect(sut.lease(EVERYTHING_DUE_MS, 10)).toEqual([]);
      expect(sut.stats().corruptSkipped).toBe(1);
    });

    it('skips, removes and counts a live session whose connect body is not JSON', () => {
      const sut = workspace.open();
      sut.recordConnect(alice, T0);
      sut.recordConnect(bob, T0);
      workspace.raw().prepare(`UPDATE live_sessions SET connect_body = 'garbage' WHERE session_id = 'a1'`).run();

      expect(sut.liveSessions().map((live) => live.sessionId)).toEqual(['b1']);
      expect(sut.stats()).toMatchObject({ corruptSkipped: 1, liveSessions: 1 });
    });
  });

  describe('an unusable file', () => {
    it('moves a file that is not a database aside, with its -wal and -shm, and starts empty', () => {
      writeFileSync(workspace.path, Buffer.alloc(8192, 0x5a));
      writeFileSync(`${workspace.path}-wal`, 'not a wal');
      writeFileSync(`${workspace.path}-shm`, 'not a shm');

      const sut = workspace.open();

      const [database, shm, wal] = filesAside('corrupt').sort();
      expect(database).toMatch(/^events\.db\.corrupt-[\dT-]+Z$/);
      expect([shm, wal]).toEqual([`${database}-shm`, `${database}-wal`]);
      expect(workspace.logger.errors).toEqual([expect.objectContaining({ path: workspace.path, moved_to: join(workspace.dir, database) })]);
      expect(sut.recordConnect(alice, T0).outcome).toBe('stored');
      expect(drain(sut).map((event) => event.body)).toEqual([alice]);
    });

    it('moves aside a database whose pages are damaged (SQLITE_CORRUPT)', () => {
      const first = workspace.open();
      for (let n = 0; n < 200; n += 1) first.recordConnect(aConnectBody({ sessionId: `s${n}` }), T0);
      first.close();
      const pageSize = 4096;
      const file = readFileSync(workspace.path);
      file.fill(0xa5, pageSize);
      writeFileSync(workspace.path, file);

      const sut = workspace.open();

      expect(filesAside('corrupt')).toContainEqual(expect.stringMatching(/^events\.db\.corrupt-[\dT-]+Z$/));
      expect(workspace.logger.errors).toEqual([expect.objectContaining({ reason: expect.stringMatching(/^SQLITE_CORRUPT/) })]);
      expect(sut.stats().pending).toBe(0);
    });

    it('moves aside a database written by a newer agent (a schema version it does not know)', () => {
      const newer = new Database(workspace.path);
      newer.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION + 1}`);
      newer.close();

      const sut = workspace.open();

      expect(filesAside(`schema-v${OUTBOX_SCHEMA_VERSION + 1}`)).toHaveLength(1);
      expect(sut.recordConnect(alice, T0).outcome).toBe('stored');
    });

    it('moves aside a SQLite database that is not an outbox', () => {
      const foreign = new Database(workspace.path);
      foreign.exec('CREATE TABLE something_else (x)');
      foreign.close();

      workspace.open();

      expect(filesAside('foreign')).toHaveLength(1);
    });
  });

  describe('the file', () => {
    it('is created readable and writable by the owner only, and so are its -wal and -shm', () => {
      const sut = workspace.open();
      sut.recordConnect(alice, T0);

      for (const file of [workspace.path, `${workspace.path}-wal`, `${workspace.path}-shm`]) {
        expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
      }
    });

    it('refuses a path whose directory does not exist, naming the path and events.outbox_path', () => {
      const path = join(workspace.dir, 'missing', 'events.db');

      const open = () => workspace.open({ path });

      expect(open).toThrow(OutboxOpenError);
      expect(open).toThrow(`events.outbox_path: the directory ${join(workspace.dir, 'missing')} of ${path} does not exist`);
      expect(existsSync(join(workspace.dir, 'missing'))).toBe(false);
    });

    it('refuses a path whose directory is a file', () => {
      writeFileSync(join(workspace.dir, 'plain-file'), '');

      expect(() => workspace.open({ path: join(workspace.dir, 'plain-file', 'events.db') })).toThrow(/events\.outbox_path: .* is not a directory/);
    });
  });
});
