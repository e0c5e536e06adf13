import { SystemClock } from '../../../src/clock/clock';
import type { EventsConfig } from '../../../src/config/agent-config.schema';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { FLUSH_BATCH_SIZE, FLUSH_INTERVAL_MS } from '../../../src/session-events/delivered-commits';
import { BLOCKED_RECHECK_MS, EventDeliverer, LOOP_ERROR_RETRY_MS, STOP_DRAIN_MAX_MS } from '../../../src/session-events/event-deliverer';
import { SessionEventsMetrics } from '../../../src/session-events/session-events-metrics';
import { FakeEventReporter, portalDown, portalError, successAnswerFor } from '../../support/session-events/fake-event-reporter';
import { InMemoryEventOutbox } from '../../support/session-events/in-memory-event-outbox';
import { RecordingAnswerHandler } from '../../support/session-events/recording-answer-handler';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { aConnectBody, aDisconnectBody, anUpdateBody } from '../builders/session-event.builder';

const RETRY_INITIAL_MS = 500;
const RETRY_MAX_MS = 4_000;
const CALL_TIMEOUT_MS = 2_000;
/** Math.random pinned just under 1: every full-jitter delay is its ceiling minus a millisecond. */
const ALMOST_ONE = 0.9999999;

interface Rig {
  readonly sut: EventDeliverer;
  readonly outbox: InMemoryEventOutbox;
  readonly reporter: FakeEventReporter;
  readonly answers: RecordingAnswerHandler;
  readonly registry: MetricsRegistry;
}

function aRig(events: Partial<EventsConfig> = {}): Rig {
  const config = anAgentConfig({
    portal: { address: '192.0.2.20:9443' },
    events: {
      enabled: true,
      max_in_flight: 4,
      retry_initial_ms: RETRY_INITIAL_MS,
      retry_max_ms: RETRY_MAX_MS,
      call_timeout_ms: CALL_TIMEOUT_MS,
      ...events,
    },
  });
  const outbox = new InMemoryEventOutbox();
  const reporter = new FakeEventReporter();
  const answers = new RecordingAnswerHandler();
  const registry = new MetricsRegistry();
  const clock = new SystemClock();
  const metrics = new SessionEventsMetrics(registry, outbox, clock);
  const sut = new EventDeliverer(outbox, reporter, clock, configServiceFor(config), metrics, answers);
  return { sut, outbox, reporter, answers, registry };
}

/** Lets the loop run: settled promises, setImmediate and timers due within `ms`. */
/**
 * Lets the loop run for `ms` of fake time. setImmediate stays real (fake-timers does not fire
 * an immediate queued from a promise callback during advanceTimersByTimeAsync(0)); a settled call
 * reaches the next lease through a few promise callbacks and immediates.
 */
async function run(ms = 0): Promise<void> {
  const hops = async (): Promise<void> => {
    for (let hop = 0; hop < 8; hop += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      await jest.advanceTimersByTimeAsync(0);
    }
  };
  await hops();
  // Step through the time so every timer's callback gets its immediates before the next timer.
  let left = ms;
  while (left > 0) {
    const step = Math.min(left, 10);
    await jest.advanceTimersByTimeAsync(step);
    await hops();
    left -= step;
  }
}

function connects(outbox: InMemoryEventOutbox, sessions: number): void {
  for (let i = 0; i < sessions; i += 1) {
    outbox.add(aConnectBody({ sessionId: `s${i}`, username: `user${i}` }), Date.now());
  }
}

async function counter(registry: MetricsRegistry, name: string, kind: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((value) => value.labels['kind'] === kind)?.value ?? 0;
}

describe(EventDeliverer.name, () => {
  let rig: Rig;

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2025, 0, 1), doNotFake: ['setImmediate'] });
    jest.spyOn(Math, 'random').mockReturnValue(ALMOST_ONE);
  });

  afterEach(async () => {
    const stopped = rig?.sut.stop();
    await jest.advanceTimersByTimeAsync(STOP_DRAIN_MAX_MS);
    await stopped;
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('order and parallelism', () => {
    it("sends a session's events one at a time, in the order they were recorded", async () => {
      rig = aRig();
      rig.reporter.hangs();
      const connect = rig.outbox.add(aConnectBody(), Date.now());
      const update = rig.outbox.add(anUpdateBody(), Date.now());
      const disconnect = rig.outbox.add(aDisconnectBody(), Date.now());

      rig.sut.start();
      const seen: number[][] = [];
      for (let step = 0; step < 3; step += 1) {
        await run();
        seen.push(rig.reporter.open.map((call) => call.event.seq));
        rig.reporter.answerOpen();
      }
      await run(FLUSH_INTERVAL_MS);

      expect(seen).toEqual([[connect.seq], [update.seq], [disconnect.seq]]);
      expect(rig.outbox.pendingEvents()).toEqual([]);
    });

    it('sends different sessions in parallel, never more than max_in_flight at once', async () => {
      rig = aRig({ max_in_flight: 4 });
      rig.reporter.hangs();
      connects(rig.outbox, 10);

      rig.sut.start();
      await run();
      const first = rig.reporter.open.length;
      rig.reporter.answerOpen(1);
      await run();

      expect(first).toBe(4);
      expect(rig.reporter.open).toHaveLength(4);
      expect(rig.reporter.calls).toHaveLength(5);
    });

    it('passes events.call_timeout_ms to every call', async () => {
      rig = aRig();
      connects(rig.outbox, 2);

      rig.sut.start();
      await run();

      expect(rig.reporter.calls.map((call) => call.timeoutMs)).toEqual([CALL_TIMEOUT_MS, CALL_TIMEOUT_MS]);
    });
  });

  describe('delivered commits', () => {
    it(`commits deliveries in transactions of at most ${FLUSH_BATCH_SIZE}`, async () => {
      rig = aRig({ max_in_flight: 64 });
      connects(rig.outbox, 1_000);

      rig.sut.start();
      await run(1_000);

      const batches = rig.outbox.deliveredCalls.map((seqs) => seqs.length);
      expect(batches.reduce((sum, size) => sum + size, 0)).toBe(1_000);
      expect(Math.max(...batches)).toBeLessThanOrEqual(FLUSH_BATCH_SIZE);
      expect(batches.length).toBeLessThanOrEqual(1_000 / 32);
      expect(rig.outbox.pendingEvents()).toEqual([]);
    });

    it(`commits a delivery within ${FLUSH_INTERVAL_MS} ms while other calls are still out`, async () => {
      rig = aRig();
      rig.reporter.hangs();
      connects(rig.outbox, 2);
      rig.sut.start();
      await run();

      rig.reporter.answerOpen(1);
      await run();
      const before = rig.outbox.deliveredCalls.length;
      await run(FLUSH_INTERVAL_MS);

      expect(before).toBe(0);
      expect(rig.outbox.deliveredCalls).toEqual([[1]]);
    });

    it('commits at once when no other call is out', async () => {
      rig = aRig();
      connects(rig.outbox, 1);

      rig.sut.start();
      await run();

      expect(rig.outbox.deliveredCalls).toEqual([[1]]);
    });
  });

  describe('retries', () => {
    it('retries a failed send with a backoff that doubles per attempt up to retry_max_ms', async () => {
      rig = aRig();
      rig.reporter.fails(portalError);
      connects(rig.outbox, 1);

      rig.sut.start();
      await run(60_000);

      const delays = retryDelays(rig, 6);
      expect(delays).toEqual([499, 999, 1_999, 3_999, 3_999, 3_999]);
    });

    it('draws each delay with full jitter, from 0 up to the ceiling', async () => {
      jest.spyOn(Math, 'random').mockReturnValue(0.25);
      rig = aRig();
      rig.reporter.fails(portalError);
      connects(rig.outbox, 1);

      rig.sut.start();
      await run(20_000);

      const delays = retryDelays(rig, 4);
      expect(delays).toEqual([125, 250, 500, 1_000]);
    });

    it('delivers an event once the portal answers again, counting every retry', async () => {
      rig = aRig();
      rig.reporter.fails(portalError);
      connects(rig.outbox, 1);
      rig.sut.start();
      await run(RETRY_INITIAL_MS * 3);

      rig.reporter.answers();
      await run(RETRY_MAX_MS);

      expect(rig.outbox.pendingEvents()).toEqual([]);
      expect(await counter(rig.registry, 'ocserv_agent_events_retried_total', 'connect')).toBe(rig.outbox.failedCalls.length);
      expect(await counter(rig.registry, 'ocserv_agent_events_delivered_total', 'connect')).toBe(1);
    });

    it("keeps a failing session's later events waiting and other sessions moving", async () => {
      rig = aRig();
      rig.reporter.answers();
      const stuck = rig.outbox.add(aConnectBody({ sessionId: 'stuck' }), Date.now());
      rig.outbox.add(anUpdateBody({ sessionId: 'stuck' }), Date.now());
      connects(rig.outbox, 3);
      const failing = rig.reporter.report.bind(rig.reporter);
      jest.spyOn(rig.reporter, 'report').mockImplementation((event, timeoutMs) =>
        event.body.sessionId === 'stuck' ? Promise.reject(portalError()) : failing(event, timeoutMs),
      );

      rig.sut.start();
      await run(10_000);

      expect(rig.outbox.pendingEvents().map((event) => event.body.sessionId)).toEqual(['stuck', 'stuck']);
      expect(rig.outbox.pendingEvents()[0]?.seq).toBe(stuck.seq);
      expect(rig.reporter.calls.filter((call) => call.event.body.kind === 'update')).toEqual([]);
    });
  });

  describe('portal unreachable', () => {
    it('pauses every send after the first round fails, instead of trying each event', async () => {
      rig = aRig({ max_in_flight: 4 });
      rig.reporter.fails(portalDown);
      connects(rig.outbox, 1_000);

      rig.sut.start();
      await run();
      const firstRound = rig.reporter.calls.length;
      await run(RETRY_INITIAL_MS - 2);

      expect(firstRound).toBe(4);
      expect(rig.reporter.calls).toHaveLength(4);
      expect(rig.sut.paused).toBe(true);
    });

    it('probes with one round per pause, the pause doubling up to retry_max_ms', async () => {
      rig = aRig({ max_in_flight: 4 });
      rig.reporter.fails(portalDown);
      connects(rig.outbox, 1_000);

      rig.sut.start();
      await run(60_000);

      // Pauses of 499, 999, 1999, 3999, then 3999 each: 4 rounds + (60000 - 7496) / 3999 more.
      const rounds = rig.reporter.calls.length / 4;
      expect(rounds).toBeGreaterThanOrEqual(16);
      expect(rounds).toBeLessThanOrEqual(19);
      expect(rig.outbox.pendingEvents()).toHaveLength(1_000);
    });

    it('sends everything once a probe gets an answer', async () => {
      rig = aRig({ max_in_flight: 8 });
      rig.reporter.fails(portalDown);
      connects(rig.outbox, 200);
      rig.sut.start();
      await run(5_000);
      const duringOutage = rig.reporter.calls.length;

      rig.reporter.answers();
      await run(RETRY_MAX_MS + 1_000);

      expect(duringOutage).toBeLessThanOrEqual(8 * 5);
      expect(rig.outbox.pendingEvents()).toEqual([]);
      expect(rig.sut.paused).toBe(false);
    });

    it('counts the pause as one outage however many calls of the round fail', async () => {
      rig = aRig({ max_in_flight: 4 });
      rig.reporter.hangs();
      connects(rig.outbox, 100);
      rig.sut.start();
      await run();

      rig.reporter.failOpen(portalDown);
      await run();

      const paused = await rig.registry.getSingleMetric('ocserv_agent_events_delivery_paused')?.get();
      expect(paused?.values[0]?.value).toBe(1);
      // One round failed: the pause's ceiling is retry_initial_ms, not 2^3 times it.
      await run(RETRY_INITIAL_MS);
      expect(rig.reporter.calls.length).toBe(8);
    });

    it('keeps per-event backoff for failures that are not an outage', async () => {
      rig = aRig({ max_in_flight: 4 });
      rig.reporter.fails(portalError);
      connects(rig.outbox, 8);

      rig.sut.start();
      await run();

      expect(rig.sut.paused).toBe(false);
      expect(rig.reporter.calls).toHaveLength(8);
    });
  });

  describe('sleeping', () => {
    it('sleeps until the next event is due, without polling the outbox', async () => {
      rig = aRig();
      rig.outbox.add(aDisconnectBody(), Date.now(), Date.now() + 10_000);
      rig.sut.start();
      await run();
      const leasesAtStart = rig.outbox.leaseCalls;

      await run(9_990);
      const beforeDue = rig.reporter.calls.length;
      await run(10);

      expect(beforeDue).toBe(0);
      expect(rig.reporter.calls).toHaveLength(1);
      expect(rig.outbox.leaseCalls - leasesAtStart).toBeLessThanOrEqual(3);
    });

    it('wakes at once on notify()', async () => {
      rig = aRig();
      rig.sut.start();
      await run(1_000);

      rig.outbox.add(aConnectBody(), Date.now());
      rig.sut.notify();
      await run();

      expect(rig.reporter.calls).toHaveLength(1);
    });

    it(`rechecks at most every ${BLOCKED_RECHECK_MS} ms while due events wait behind their session's call`, async () => {
      rig = aRig();
      rig.reporter.hangs();
      rig.outbox.add(aConnectBody(), Date.now());
      rig.outbox.add(anUpdateBody(), Date.now());
      rig.sut.start();
      await run();
      const leases = rig.outbox.leaseCalls;

      await run(1_000);

      expect(rig.outbox.leaseCalls - leases).toBeLessThanOrEqual(1_000 / BLOCKED_RECHECK_MS + 1);
      expect(rig.reporter.calls).toHaveLength(1);
    });

    it('takes a reporter that throws instead of rejecting for a failed send, and goes on', async () => {
      rig = aRig();
      connects(rig.outbox, 2);
      const report = rig.reporter.report.bind(rig.reporter);
      jest.spyOn(rig.reporter, 'report').mockImplementationOnce(() => {
        throw new Error('reporter bug');
      }).mockImplementation(report);

      rig.sut.start();
      await run(RETRY_INITIAL_MS);

      expect(rig.outbox.failedCalls).toHaveLength(1);
      expect(rig.outbox.pendingEvents()).toEqual([]);
    });

    it('keeps running when the outbox throws, trying again later', async () => {
      rig = aRig();
      connects(rig.outbox, 1);
      const lease = rig.outbox.lease.bind(rig.outbox);
      jest.spyOn(rig.outbox, 'lease').mockImplementationOnce(() => {
        throw new Error('SQLITE_BUSY: database is locked');
      }).mockImplementation(lease);

      rig.sut.start();
      await run();
      const afterThrow = rig.reporter.calls.length;
      await run(LOOP_ERROR_RETRY_MS);

      expect(afterThrow).toBe(0);
      expect(rig.reporter.calls).toHaveLength(1);
    });
  });

  describe('answers', () => {
    it('hands connect and update answers to the answer handler', async () => {
      rig = aRig();
      rig.reporter.answers((event) =>
        event.body.kind === 'connect'
          ? { kind: 'connect', answer: { success: true, message: '', updatedRoutes: ['10.30.0.0/16'] } }
          : event.body.kind === 'update'
            ? { kind: 'update', answer: { success: true, shouldDisconnect: true, disconnectReason: 'account suspended' } }
            : successAnswerFor(event),
      );
      rig.outbox.add(aConnectBody(), Date.now());
      rig.outbox.add(anUpdateBody(), Date.now());
      rig.outbox.add(aDisconnectBody(), Date.now());

      rig.sut.start();
      await run(100);

      expect(rig.answers.connects).toEqual([{ body: aConnectBody(), answer: expect.objectContaining({ updatedRoutes: ['10.30.0.0/16'] }) }]);
      expect(rig.answers.updates).toEqual([{ body: anUpdateBody(), answer: expect.objectContaining({ shouldDisconnect: true }) }]);
    });

    it('delivers on even when the answer handler throws', async () => {
      rig = aRig();
      rig.answers.throws = true;
      connects(rig.outbox, 3);

      rig.sut.start();
      await run(100);

      expect(rig.outbox.pendingEvents()).toEqual([]);
    });

    it('counts an answer with success false as delivered, and does not resend it', async () => {
      rig = aRig();
      rig.reporter.answers(() => ({ kind: 'connect', answer: { success: false, message: 'unknown agent', updatedRoutes: [] } }));
      connects(rig.outbox, 1);

      rig.sut.start();
      await run(10_000);

      expect(rig.reporter.calls).toHaveLength(1);
      expect(rig.outbox.pendingEvents()).toEqual([]);
      expect(await counter(rig.registry, 'ocserv_agent_events_unsuccessful_total', 'connect')).toBe(1);
    });
  });

  describe('stop', () => {
    it('waits for the calls on the wire and commits their deliveries', async () => {
      rig = aRig();
      rig.reporter.hangs();
      connects(rig.outbox, 3);
      rig.sut.start();
      await run();

      const stopped = rig.sut.stop();
      rig.reporter.answerOpen();
      await stopped;

      expect(rig.outbox.deliveredCalls).toEqual([[1, 2, 3]]);
      expect(rig.outbox.pendingEvents()).toEqual([]);
    });

    it('sends nothing more once stopped', async () => {
      rig = aRig();
      connects(rig.outbox, 1);
      rig.sut.start();
      await run();

      await rig.sut.stop();
      connects(rig.outbox, 1);
      rig.sut.notify();
      await run(60_000);

      expect(rig.reporter.calls).toHaveLength(1);
    });

    it(`gives up on calls still out after the bound (call_timeout_ms, at most ${STOP_DRAIN_MAX_MS} ms)`, async () => {
      rig = aRig();
      rig.reporter.hangs();
      connects(rig.outbox, 2);
      rig.sut.start();
      await run();

      let stopped = false;
      const stopping = rig.sut.stop().then(() => (stopped = true));
      await run(CALL_TIMEOUT_MS - 1);
      const beforeBound = stopped;
      await run(1);
      await stopping;

      expect(beforeBound).toBe(false);
      expect(stopped).toBe(true);
      expect(rig.outbox.deliveredCalls).toEqual([]);
    });
  });

  describe('metrics', () => {
    it("reads the backlog, the oldest event's age and the drops from the outbox at scrape time", async () => {
      rig = aRig();
      rig.reporter.hangs();
      rig.outbox.add(aConnectBody(), Date.now());
      rig.outbox.add(anUpdateBody(), Date.now());
      await run(90_000);

      const text = await rig.registry.metrics();

      expect(text).toContain('ocserv_agent_events_backlog{kind="connect"} 1');
      expect(text).toContain('ocserv_agent_events_backlog{kind="update"} 1');
      expect(text).toContain('ocserv_agent_events_oldest_undelivered_age_seconds 90');
    });

    it('observes the delivery latency from recording to answer', async () => {
      rig = aRig();
      rig.reporter.hangs();
      connects(rig.outbox, 1);
      rig.sut.start();
      await run(1_500);

      rig.reporter.answerOpen();
      await run();

      const histogram = await rig.registry.getSingleMetric('ocserv_agent_events_delivery_latency_seconds')?.get();
      const sum = histogram?.values.find((value) => (value as { metricName?: string }).metricName?.endsWith('_sum') && value.labels['kind'] === 'connect');
      expect(sum?.value).toBeCloseTo(1.5, 3);
    });
  });
});

/** How long after each failed call its retry was scheduled (the calls fail at once, so they pair up with failed()). */
function retryDelays(rig: Rig, count: number): number[] {
  return rig.outbox.failedCalls.slice(0, count).map((failure, i) => failure.retryAtMs - (rig.reporter.calls[i]?.atMs ?? Number.NaN));
}
