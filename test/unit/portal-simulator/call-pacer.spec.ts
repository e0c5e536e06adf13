import { EventEmitter } from 'node:events';
import { CallPacer } from '../../../src/portal-simulator/call-pacer';
import { SimulatorSwitches } from '../../../src/portal-simulator/simulator-switches';

/*
 * Unit tests (fake timers, fake calls) kept beside the simulator's integration
 * tests: the timer bookkeeping behind "a cancelled call leaks nothing".
 */

class FakeCall extends EventEmitter {
  cancelled = false;

  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}

describe(CallPacer.name, () => {
  let switches: SimulatorSwitches;
  let sut: CallPacer;

  beforeEach(() => {
    jest.useFakeTimers();
    switches = new SimulatorSwitches();
    sut = new CallPacer(switches);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('lets a call through at once with no latency and no hang', async () => {
    await expect(sut.waitToAnswer(new FakeCall())).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('holds a call for the latency, then lets it through', async () => {
    switches.setLatencyMs(500);
    const answered = jest.fn();
    void sut.waitToAnswer(new FakeCall()).then(answered);

    await jest.advanceTimersByTimeAsync(499);
    expect(answered).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);

    expect(answered).toHaveBeenCalledWith(true);
  });

  it('clears the latency timer and its listener when the call is cancelled', async () => {
    switches.setLatencyMs(60_000);
    const call = new FakeCall();
    const waiting = sut.waitToAnswer(call);
    expect(jest.getTimerCount()).toBe(1);

    call.cancel();

    await expect(waiting).resolves.toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    expect(call.listenerCount('cancelled')).toBe(0);
    expect(sut.pendingCount).toBe(0);
  });

  it('does not wait for a call that was cancelled before it arrived', async () => {
    const call = new FakeCall();
    call.cancelled = true;

    await expect(sut.waitToAnswer(call)).resolves.toBe(false);
    expect(sut.pendingCount).toBe(0);
  });

  it('holds a call while hang is on, without a timer, until released', async () => {
    switches.setHang(true);
    const call = new FakeCall();
    const waiting = sut.waitToAnswer(call);
    expect(jest.getTimerCount()).toBe(0);
    expect(sut.pendingCount).toBe(1);

    switches.setHang(false);
    sut.releaseHung();

    await expect(waiting).resolves.toBe(true);
    expect(call.listenerCount('cancelled')).toBe(0);
  });

  it('hangs a call whose latency ends while hang is on', async () => {
    switches.setLatencyMs(100);
    const waiting = sut.waitToAnswer(new FakeCall());
    switches.setHang(true);
    await jest.advanceTimersByTimeAsync(100);
    expect(sut.pendingCount).toBe(1);

    switches.setHang(false);
    sut.releaseHung();

    await expect(waiting).resolves.toBe(true);
  });

  it('does not release calls still in their latency on releaseHung', async () => {
    switches.setLatencyMs(100);
    const answered = jest.fn();
    void sut.waitToAnswer(new FakeCall()).then(answered);

    sut.releaseHung();
    await Promise.resolve();

    expect(answered).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(100);
    expect(answered).toHaveBeenCalledWith(true);
  });

  it('abandons every waiting call, clearing their timers', async () => {
    switches.setLatencyMs(1000);
    const slow = sut.waitToAnswer(new FakeCall());
    switches.setLatencyMs(0);
    switches.setHang(true);
    const hung = sut.waitToAnswer(new FakeCall());

    sut.abandonAll();

    await expect(Promise.all([slow, hung])).resolves.toEqual([false, false]);
    expect(jest.getTimerCount()).toBe(0);
    expect(sut.pendingCount).toBe(0);
  });
});
