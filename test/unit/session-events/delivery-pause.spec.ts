import { DeliveryPause } from '../../../src/session-events/delivery-pause';
import { RetryBackoff } from '../../../src/session-events/retry-backoff';

const NOW_MS = 1_000_000;

/** Backoff at its ceiling every time: 500, 1000, 2000 ... capped at 4000. */
function aPause(): DeliveryPause {
  return new DeliveryPause(new RetryBackoff(500, 4_000, () => 1));
}

describe(DeliveryPause.name, () => {
  it('lets everything through while the portal answers', () => {
    const sut = aPause();

    expect(sut.active).toBe(false);
    expect(sut.allowsSending(NOW_MS, 64)).toBe(true);
  });

  it('stops every send until the pause ends, then allows one round once nothing is in flight', () => {
    const sut = aPause();

    sut.unreachable(NOW_MS, sut.round);

    expect(sut.allowsSending(NOW_MS + 499, 0)).toBe(false);
    expect(sut.allowsSending(NOW_MS + 500, 3)).toBe(false);
    expect(sut.allowsSending(NOW_MS + 500, 0)).toBe(true);
  });

  it('extends the pause once per round, however many of its calls fail', () => {
    const sut = aPause();
    const round = sut.round;

    expect([sut.unreachable(NOW_MS, round), sut.unreachable(NOW_MS, round), sut.unreachable(NOW_MS, round)]).toEqual([true, false, false]);
    expect(sut.resumeAtMs).toBe(NOW_MS + 500);
  });

  it('doubles the pause for every probe round that fails, up to the cap', () => {
    const sut = aPause();
    const pauses: number[] = [];

    for (let i = 0; i < 5; i += 1) {
      sut.unreachable(NOW_MS, sut.round);
      pauses.push(sut.resumeAtMs - NOW_MS);
    }

    expect(pauses).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
  });

  it('ends on the first answer and reports how long it lasted', () => {
    const sut = aPause();
    sut.unreachable(NOW_MS, sut.round);

    expect(sut.reachable(NOW_MS + 7_000)).toBe(7_000);
    expect(sut.active).toBe(false);
    expect(sut.reachable(NOW_MS + 8_000)).toBeUndefined();
  });

  it('starts again from the initial pause after the portal came back', () => {
    const sut = aPause();
    sut.unreachable(NOW_MS, sut.round);
    sut.unreachable(NOW_MS, sut.round);
    sut.reachable(NOW_MS);

    sut.unreachable(NOW_MS, sut.round);

    expect(sut.resumeAtMs - NOW_MS).toBe(500);
  });
});
