import { SimulatorSwitches } from '../../../src/portal-simulator/simulator-switches';

/** Unit tests kept beside the simulator's integration tests: the error-rate sequence is exact. */
describe(SimulatorSwitches.name, () => {
  let sut: SimulatorSwitches;

  beforeEach(() => {
    sut = new SimulatorSwitches();
  });

  function failuresOf(calls: number): number[] {
    const failed: number[] = [];
    for (let call = 1; call <= calls; call += 1) {
      if (sut.nextCallFails()) failed.push(call);
    }
    return failed;
  }

  it('fails nothing at rate 0', () => {
    expect(failuresOf(100)).toEqual([]);
  });

  it('fails every call at rate 1', () => {
    sut.setErrorRate(1);
    expect(failuresOf(5)).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    [0.5, [2, 4, 6, 8, 10]],
    [0.25, [4, 8]],
    [0.1, [10]],
    [0.3, [4, 7, 10]],
  ])('at rate %d fails the calls where floor(n*rate) steps up: %j of 10', (rate, failed) => {
    sut.setErrorRate(rate);
    expect(failuresOf(10)).toEqual(failed);
  });

  it('fails exactly rate * n calls over a long run, without float drift', () => {
    sut.setErrorRate(0.1);
    expect(failuresOf(1_000_000)).toHaveLength(100_000);
  });

  it('restarts the sequence when the rate is set again', () => {
    sut.setErrorRate(0.5);
    failuresOf(1);
    sut.setErrorRate(0.5);

    expect(failuresOf(2)).toEqual([2]);
  });

  it.each([-0.1, 1.01, Number.NaN, Number.POSITIVE_INFINITY])('refuses the rate %d', (rate) => {
    expect(() => sut.setErrorRate(rate)).toThrow(RangeError);
  });

  it('reports the switches it holds', () => {
    sut.setLatencyMs(250);
    sut.setErrorRate(0.2);
    sut.setHang(true);

    expect(sut.state).toEqual({ latencyMs: 250, errorRate: 0.2, hang: true });
  });
});
