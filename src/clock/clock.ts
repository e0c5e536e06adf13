import { Injectable } from '@nestjs/common';

/** Time behind an injectable seam so TTL logic unit-tests with a fake clock. */
export abstract class Clock {
  /** Milliseconds since the Unix epoch. */
  abstract nowMs(): number;
}

@Injectable()
export class SystemClock extends Clock {
  nowMs(): number {
    return Date.now();
  }
}
