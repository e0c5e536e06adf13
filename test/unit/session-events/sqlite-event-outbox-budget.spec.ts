import { SqliteEventOutbox } from '../../../src/session-events/outbox/sqlite-event-outbox';
import type { SessionEventBody } from '../../../src/session-events/session-event';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aConnectBody, aDisconnectBody, anUpdateBody } from '../builders/session-event.builder';
import { drain, EVERYTHING_DUE_MS, OutboxWorkspace } from './outbox-workspace';

const T0 = FAKE_CLOCK_START_MS;

function bytesOf(...bodies: SessionEventBody[]): number {
  return bodies.reduce((sum, body) => sum + Buffer.byteLength(JSON.stringify(body)), 0);
}

const connectOf = (id: string) => aConnectBody({ sessionId: id, username: `user-${id}` });
const updateOf = (id: string) => anUpdateBody({ sessionId: id, username: `user-${id}` });
const endOf = (id: string) => aDisconnectBody({ sessionId: id, username: `user-${id}` });

describe(`${SqliteEventOutbox.name} when events.max_outbox_bytes is reached`, () => {
  let workspace: OutboxWorkspace;

  beforeEach(() => {
    workspace = new OutboxWorkspace();
  });

  afterEach(() => workspace.dispose());

  /** Sessions whose connects went out, each with one update waiting, in this order. */
  function withWaitingUpdates(sut: SqliteEventOutbox, ids: readonly string[]): void {
    for (const id of ids) {
      sut.recordConnect(connectOf(id), T0);
      drain(sut);
    }
    for (const id of ids) sut.recordUpdate(updateOf(id), T0 + 1);
  }

  it('drops an update that does not fit, counts it, and keeps the session live', () => {
    const sut = workspace.open({ maxBytes: bytesOf(connectOf('a')) + 10 });
    sut.recordConnect(connectOf('a'), T0);

    const outcome = sut.recordUpdate(updateOf('a'), T0);

    expect(outcome).toEqual({ outcome: 'dropped', reason: expect.stringContaining('events.max_outbox_bytes') });
    expect(sut.stats()).toMatchObject({ pendingByKind: { connect: 1, disconnect: 0, update: 0 }, droppedByKind: { update: 1 }, liveSessions: 1 });
  });

  it('stores an update that fits once the waiting update it replaces is gone', () => {
    const sut = workspace.open({ maxBytes: bytesOf(connectOf('a'), updateOf('a')) });
    sut.recordConnect(connectOf('a'), T0);
    sut.recordUpdate(updateOf('a'), T0);

    expect(sut.recordUpdate({ ...updateOf('a'), updateTimeMs: T0 + 9 }, T0 + 9).outcome).toBe('stored');
  });

  it('evicts the oldest waiting updates, just enough, to store a connect', () => {
    const held = bytesOf(updateOf('a'), updateOf('b'), updateOf('c'));
    const sut = workspace.open({ maxBytes: held + bytesOf(connectOf('d')) - bytesOf(updateOf('a')) });
    withWaitingUpdates(sut, ['a', 'b', 'c']);

    expect(sut.recordConnect(connectOf('d'), T0 + 2).outcome).toBe('stored');

    expect(drain(sut).map((event) => `${event.body.kind}:${event.body.sessionId}`)).toEqual(['update:b', 'update:c', 'connect:d']);
    expect(sut.stats().droppedByKind).toEqual({ connect: 0, disconnect: 0, update: 1 });
  });

  it('evicts updates to store a disconnect', () => {
    const sut = workspace.open({ maxBytes: bytesOf(updateOf('a'), updateOf('b')) });
    withWaitingUpdates(sut, ['a', 'b']);

    expect(sut.recordDisconnect(endOf('b'), T0 + 2, T0 + 2).outcome).toBe('stored');
    expect(sut.stats().pendingByKind).toEqual({ connect: 0, disconnect: 1, update: expect.any(Number) });
    expect(sut.stats().droppedByKind.update).toBeGreaterThan(0);
  });

  it('never evicts an update that is leased', () => {
    const held = bytesOf(updateOf('a'), updateOf('b'));
    const sut = workspace.open({ maxBytes: held + bytesOf(connectOf('d')) - bytesOf(updateOf('b')) });
    withWaitingUpdates(sut, ['a', 'b']);
    const [leased] = sut.lease(EVERYTHING_DUE_MS, 1);

    sut.recordConnect(connectOf('d'), T0 + 2);

    expect(leased.body.sessionId).toBe('a');
    sut.delivered([leased.seq]);
    expect(drain(sut).map((event) => event.body.sessionId)).toEqual(['d']);
  });

  it('drops a connect that would not fit even with every update evicted, and evicts none', () => {
    const sut = workspace.open({ maxBytes: bytesOf(updateOf('a')) + 100 });
    withWaitingUpdates(sut, ['a']);
    const huge = aConnectBody({ sessionId: 'd', username: 'user-d', metadata: { blob: 'x'.repeat(500) } });

    const outcome = sut.recordConnect(huge, T0 + 2);

    expect(outcome).toEqual({ outcome: 'dropped', reason: expect.stringContaining('does not fit') });
    expect(sut.stats()).toMatchObject({ pendingByKind: { update: 1 }, droppedByKind: { connect: 1, update: 0 } });
  });

  it('still records a dropped connect in the ledger, so its end is not taken for a duplicate', () => {
    const sut = workspace.open({ maxBytes: 10 });

    expect(sut.recordConnect(connectOf('a'), T0).outcome).toBe('dropped');

    expect(sut.liveSessions().map((live) => live.sessionId)).toEqual(['a']);
    expect(sut.recordConnect(connectOf('a'), T0).outcome).toBe('duplicate');
    expect(sut.recordDisconnect(endOf('a'), T0, T0).outcome).toBe('dropped');
  });

  it('still ends a session whose disconnect is dropped, so a later connect of the id is not a duplicate', () => {
    const sut = workspace.open({ maxBytes: bytesOf(connectOf('a')) });
    sut.recordConnect(connectOf('a'), T0);

    expect(sut.recordDisconnect(endOf('a'), T0, T0).outcome).toBe('dropped');

    expect(sut.liveSessions()).toEqual([]);
    expect(sut.stats().droppedByKind.disconnect).toBe(1);
    expect(sut.recordConnect(connectOf('a'), T0 + 1).outcome).toBe('dropped');
    expect(sut.liveSessions().map((live) => live.sessionId)).toEqual(['a']);
  });

  it('refuses an amendment that does not fit and keeps the stored disconnect', () => {
    const sut = workspace.open({ maxBytes: bytesOf(connectOf('a'), endOf('a')) });
    sut.recordConnect(connectOf('a'), T0);
    sut.recordDisconnect(endOf('a'), T0, T0);

    const amended = sut.amendPendingDisconnect('a', (body) => ({ ...body, metadata: { blob: 'x'.repeat(200) } }));

    expect(amended).toBe(false);
    expect(drain(sut)[1].body).toEqual(endOf('a'));
  });

  it('logs the first drop of a kind, not every one', () => {
    const sut = workspace.open({ maxBytes: bytesOf(connectOf('a')) });
    sut.recordConnect(connectOf('a'), T0);

    for (let tick = 0; tick < 5; tick += 1) sut.recordUpdate(updateOf('a'), T0 + tick);

    expect(workspace.logger.warnings).toEqual([
      expect.objectContaining({ msg: 'event outbox full, events dropped', kind: 'update', dropped_total: 1 }),
    ]);
    expect(sut.stats().droppedByKind.update).toBe(5);
  });
});
