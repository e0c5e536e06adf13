/*
 * The failure switches, changeable while calls are in flight.
 *
 * The error rate is deterministic so tests can count exactly: an accumulator
 * adds the rate (in parts per million, so 0.1 * 10 is exactly 1) for every call
 * received and fails the call that makes it reach 1. The n-th call after
 * setErrorRate(r) fails when floor(n*r) > floor((n-1)*r): rate 0.5 fails calls
 * 2, 4, 6, ...; rate 0.25 fails 4, 8, ...; rate 1 fails all.
 */

const PARTS_PER_MILLION = 1_000_000;
export const MAX_LATENCY_MS = 10 * 60 * 1000;

export interface SwitchState {
  readonly latencyMs: number;
  readonly errorRate: number;
  readonly hang: boolean;
}

export class SimulatorSwitches {
  private latency = 0;
  private errorRatePpm = 0;
  private errorAccumulatorPpm = 0;
  private hanging = false;

  get latencyMs(): number {
    return this.latency;
  }

  get hang(): boolean {
    return this.hanging;
  }

  get state(): SwitchState {
    return { latencyMs: this.latency, errorRate: this.errorRatePpm / PARTS_PER_MILLION, hang: this.hanging };
  }

  setLatencyMs(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
      throw new RangeError(`latency must be a whole number of milliseconds from 0 to ${MAX_LATENCY_MS}, got ${ms}`);
    }
    this.latency = ms;
  }

  /** Restarts the sequence: the next call is call 1. */
  setErrorRate(rate: number): void {
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new RangeError(`error rate must be from 0 to 1, got ${rate}`);
    }
    this.errorRatePpm = Math.round(rate * PARTS_PER_MILLION);
    this.errorAccumulatorPpm = 0;
  }

  setHang(hang: boolean): void {
    this.hanging = hang;
  }

  /** Called once per call received, in arrival order. */
  nextCallFails(): boolean {
    if (this.errorRatePpm === 0) {
      return false;
    }
    this.errorAccumulatorPpm += this.errorRatePpm;
    if (this.errorAccumulatorPpm >= PARTS_PER_MILLION) {
      this.errorAccumulatorPpm -= PARTS_PER_MILLION;
      return true;
    }
    return false;
  }
}
