import { Clock } from '../../../src/clock/clock';

/** 2025-01-01T00:00:00Z: a fixed, readable starting point for every test. */
export const FAKE_CLOCK_START_MS = Date.UTC(2025, 0, 1);

/** A Clock that only moves when the test moves it. */
export class FakeClock extends Clock {
  constructor(private currentMs = FAKE_CLOCK_START_MS) {
    super();
  }

  nowMs(): number {
    return this.currentMs;
  }

  advanceMs(ms: number): void {
    this.currentMs += ms;
  }

  advanceSeconds(seconds: number): void {
    this.advanceMs(seconds * 1000);
  }
}
