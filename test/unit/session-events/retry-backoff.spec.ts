import { RetryBackoff } from '../../../src/session-events/retry-backoff';

describe(RetryBackoff.name, () => {
  it('doubles the ceiling per failure from the initial delay', () => {
    const sut = new RetryBackoff(500, 15_000);

    expect([0, 1, 2, 3, 4].map((failures) => sut.ceilingMs(failures))).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
  });

  it('caps the ceiling at the maximum, however many failures', () => {
    const sut = new RetryBackoff(500, 15_000);

    expect([5, 6, 40, 10_000].map((failures) => sut.ceilingMs(failures))).toEqual([15_000, 15_000, 15_000, 15_000]);
  });

  it('draws the delay uniformly from zero to the ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.999];
    const sut = new RetryBackoff(1_000, 60_000, () => draws.shift() ?? 0);

    expect([sut.delayMs(2), sut.delayMs(2), sut.delayMs(2)]).toEqual([0, 2_000, 3_996]);
  });
});
