import type { LoggerService } from '@nestjs/common';
import { RefusalLog } from '../../../src/ipc/refusal-log';
import { FakeClock } from '../builders/fake-clock';

class RecordingLogger implements LoggerService {
  readonly warnings: unknown[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(message);
  }
}

describe(RefusalLog.name, () => {
  let clock: FakeClock;
  let logger: RecordingLogger;
  let sut: RefusalLog;

  beforeEach(() => {
    clock = new FakeClock();
    logger = new RecordingLogger();
    sut = new RefusalLog(logger, clock, 1000);
  });

  it('writes the first refusal of a kind', () => {
    sut.warn('timeout', 'no complete request within 500 ms');

    expect(logger.warnings).toEqual([{ msg: 'hook request refused', reason: 'timeout', detail: 'no complete request within 500 ms' }]);
  });

  it('writes at most one line per reason per second, then says how many it left out', () => {
    for (let i = 0; i < 500; i += 1) sut.warn('bad_frame', 'x');
    clock.advanceMs(1000);
    sut.warn('bad_frame', 'y');

    expect(logger.warnings).toEqual([
      { msg: 'hook request refused', reason: 'bad_frame', detail: 'x' },
      { msg: 'hook request refused', reason: 'bad_frame', detail: 'y', suppressed_since_last: 499 },
    ]);
  });

  it('limits each reason on its own', () => {
    sut.warn('timeout', 'a');
    sut.warn('too_large', 'b');

    expect(logger.warnings).toHaveLength(2);
  });
});
