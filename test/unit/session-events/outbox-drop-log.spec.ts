import { OutboxDropLog } from '../../../src/session-events/outbox/outbox-drop-log';
import { RecordingLogger } from '../builders/recording-logger';

const LOG_EVERY = 1_000;

describe(OutboxDropLog.name, () => {
  let logger: RecordingLogger;
  let sut: OutboxDropLog;

  beforeEach(() => {
    logger = new RecordingLogger();
    sut = new OutboxDropLog(logger, LOG_EVERY);
  });

  it('counts drops by kind', () => {
    sut.dropped('update', 3, 'full');
    sut.dropped('connect', 1, 'full');

    expect(sut.byKind()).toEqual({ connect: 1, disconnect: 0, update: 3 });
  });

  it('logs the first drop of a kind, then one line per 1000 of that kind', () => {
    for (let drop = 0; drop < 2_500; drop += 1) sut.dropped('update', 1, 'full');

    expect(logger.warnings.map((line) => (line as { dropped_total: number }).dropped_total)).toEqual([1, 1_000, 2_000]);
  });

  it('logs a batch that crosses a mark once', () => {
    sut.dropped('update', 1, 'full');

    sut.dropped('update', 1_500, 'evicted');

    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[1]).toMatchObject({ kind: 'update', dropped_now: 1_500, dropped_total: 1_501, detail: 'evicted' });
  });

  it('counts each kind on its own', () => {
    sut.dropped('update', 1, 'full');
    sut.dropped('disconnect', 1, 'full');

    expect(logger.warnings).toHaveLength(2);
  });

  it('ignores a batch of none', () => {
    sut.dropped('update', 0, 'full');

    expect(logger.warnings).toEqual([]);
  });
});
