import { DeliveredCommits, FLUSH_BATCH_SIZE, FLUSH_INTERVAL_MS } from '../../../src/session-events/delivered-commits';
import { InMemoryEventOutbox } from '../../support/session-events/in-memory-event-outbox';
import { aConnectBody } from '../builders/session-event.builder';

describe(DeliveredCommits.name, () => {
  let outbox: InMemoryEventOutbox;
  let committed: number[];
  let failures: number[];
  let sut: DeliveredCommits;

  beforeEach(() => {
    jest.useFakeTimers();
    outbox = new InMemoryEventOutbox();
    committed = [];
    failures = [];
    sut = new DeliveredCommits(outbox, { committed: (count) => committed.push(count), commitFailed: (_, count) => failures.push(count) });
  });

  afterEach(() => jest.useRealTimers());

  it(`commits ${FLUSH_INTERVAL_MS} ms after the first seq, all waiting seqs in one transaction`, () => {
    sut.add(1);
    sut.add(2);
    jest.advanceTimersByTime(FLUSH_INTERVAL_MS - 1);
    const early = outbox.deliveredCalls.length;

    jest.advanceTimersByTime(1);

    expect(early).toBe(0);
    expect(outbox.deliveredCalls).toEqual([[1, 2]]);
    expect(committed).toEqual([2]);
  });

  it(`commits at once at ${FLUSH_BATCH_SIZE} seqs`, () => {
    for (let seq = 1; seq <= FLUSH_BATCH_SIZE; seq += 1) sut.add(seq);

    expect(outbox.deliveredCalls.map((seqs) => seqs.length)).toEqual([FLUSH_BATCH_SIZE]);
    expect(sut.waiting).toBe(0);
  });

  it('keeps the seqs for the next commit when the outbox refuses the transaction', () => {
    const event = outbox.add(aConnectBody(), Date.now());
    jest.spyOn(outbox, 'delivered').mockImplementationOnce(() => {
      throw new Error('SQLITE_FULL: database or disk is full');
    });
    sut.add(event.seq);

    sut.commit();
    const waitingAfterFailure = sut.waiting;
    sut.commit();

    expect(failures).toEqual([1]);
    expect(waitingAfterFailure).toBe(1);
    expect(committed).toEqual([1]);
    expect(outbox.pendingEvents()).toEqual([]);
  });
});
