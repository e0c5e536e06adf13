import { Logger } from '@nestjs/common';
import { SystemClock } from '../../../src/clock/clock';
import type { RecordOutcome } from '../../../src/session-events/outbox/event-outbox';
import { SessionEventProducer } from '../../../src/session-events/session-event.producer';
import { SessionUsageJob } from '../../../src/session-events/session-usage.job';
import { SessionStore } from '../../../src/session/session-store.service';
import type { VpnSession } from '../../../src/session/vpn-session';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aStoredEvent, anUpdateBody } from '../builders/session-event.builder';
import { aSessionStart } from '../builders/session-lifecycle.builder';
import { aNewVpnSession } from '../builders/vpn-session.builder';
import { drain, OutboxWorkspace, ROOMY_OUTBOX_BYTES } from './outbox-workspace';

const INTERVAL_MS = 10_000;
/** Room for one connect (~230 bytes as JSON) or one usage update (~190), never two updates. */
const ONE_EVENT_BYTES = 300;

/** SessionEventProducer.usage as the job sees it: remembers who was reported when, answers `stored`. */
class RecordingProducer {
  readonly usages: Array<[string, number]> = [];

  usage(session: VpnSession, nowMs: number): RecordOutcome {
    this.usages.push([session.sessionId, nowMs]);
    return { outcome: 'stored', event: aStoredEvent(anUpdateBody({ sessionId: session.sessionId, updateTimeMs: nowMs })) };
  }
}

describe(SessionUsageJob.name, () => {
  let clock: SystemClock;
  let store: SessionStore;
  let producer: RecordingProducer;
  let sut: SessionUsageJob;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers({ now: FAKE_CLOCK_START_MS });
    clock = new SystemClock();
    store = new SessionStore(clock, configServiceFor(anAgentConfig({ session: { ttl_seconds: 86_400 } })));
    producer = new RecordingProducer();
    sut = jobWith(producer, INTERVAL_MS);
    store.add(aNewVpnSession({ sessionId: 'a1', username: 'alice' }));
    store.add(aNewVpnSession({ sessionId: 'b1', username: 'bob' }));
  });

  afterEach(() => {
    sut.stop();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  function jobWith(usage: RecordingProducer | SessionEventProducer, intervalMs: number): SessionUsageJob {
    return new SessionUsageJob(store, usage as SessionEventProducer, clock, intervalMs);
  }

  it('reports every live session once per interval, at the time of the round', () => {
    sut.start();

    jest.advanceTimersByTime(2 * INTERVAL_MS);

    const T1 = FAKE_CLOCK_START_MS + INTERVAL_MS;
    const T2 = T1 + INTERVAL_MS;
    expect(producer.usages).toEqual([
      ['a1', T1],
      ['b1', T1],
      ['a1', T2],
      ['b1', T2],
    ]);
  });

  it('reports nothing before the first interval has passed', () => {
    sut.start();

    jest.advanceTimersByTime(INTERVAL_MS - 1);

    expect(producer.usages).toEqual([]);
  });

  it('runs one round per interval however often it is started', () => {
    sut.start();
    sut.start();

    jest.advanceTimersByTime(INTERVAL_MS);

    expect(producer.usages).toHaveLength(2);
  });

  it('never starts with an interval of 0', () => {
    sut = jobWith(producer, 0);

    sut.start();
    jest.advanceTimersByTime(24 * 3_600_000);

    expect(producer.usages).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reports nothing more once stopped', () => {
    sut.start();
    jest.advanceTimersByTime(INTERVAL_MS);

    sut.stop();
    jest.advanceTimersByTime(3 * INTERVAL_MS);

    expect(producer.usages).toHaveLength(2);
  });

  it('reports the sessions live at each round', () => {
    sut.start();
    jest.advanceTimersByTime(INTERVAL_MS);

    store.remove('a1');
    jest.advanceTimersByTime(INTERVAL_MS);

    expect(producer.usages.map(([sessionId]) => sessionId)).toEqual(['a1', 'b1', 'b1']);
  });

  describe('with the real producer and outbox', () => {
    let workspace: OutboxWorkspace;

    beforeEach(() => {
      workspace = new OutboxWorkspace();
    });

    afterEach(() => workspace.dispose());

    /** The real producer over an outbox of `maxBytes`, alice, bob and carol reported live (their connects delivered). */
    function withOutboxOf(maxBytes: number): SessionUsageJob {
      const outbox = workspace.open({ maxBytes });
      const real = new SessionEventProducer(outbox, clock, { settleMs: 1_500 });
      store.add(aNewVpnSession({ sessionId: 'c1', username: 'carol' }));
      for (const session of store.list()) {
        real.started(aSessionStart({ session }));
        drain(outbox);
      }
      return jobWith(real, INTERVAL_MS);
    }

    it('returns how many updates it stored when the outbox fills up', () => {
      sut = withOutboxOf(ONE_EVENT_BYTES);

      expect(sut.runOnce()).toBe(1);
    });

    it('logs the updates it could not store, once per round', () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      sut = withOutboxOf(ONE_EVENT_BYTES);

      sut.runOnce();

      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith({ msg: expect.stringContaining('events.max_outbox_bytes'), dropped: 2, stored: 1 });
    });

    it('logs nothing when every update fits', () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      sut = withOutboxOf(ROOMY_OUTBOX_BYTES);

      expect(sut.runOnce()).toBe(3);
      expect(warn).not.toHaveBeenCalled();
    });
  });
});
