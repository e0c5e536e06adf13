import { SystemClock } from '../../../src/clock/clock';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { PortalFailure, PortalFailureKind } from '../../../src/portal/portal-failure';
import { PortalCallQueue, QUEUED_CALL_OVERHEAD_BYTES, queuedCallBytes } from '../../../src/resilience/portal-call-queue';
import { ResilienceMetrics } from '../../../src/resilience/resilience-metrics';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { aPolicyQuery } from '../builders/policy-verdict.builder';

const MAX_CONCURRENT = 2;
const MAX_QUEUED = 3;
const MAX_QUEUED_BYTES = 10_000;
const CALL_MS = 100;

/* jest's modern fake timers drive both setTimeout and Date.now, so SystemClock follows them. */
describe(PortalCallQueue.name, () => {
  let registry: MetricsRegistry;
  let sut: PortalCallQueue;

  beforeEach(() => {
    jest.useFakeTimers();
    registry = new MetricsRegistry();
    const config = anAgentConfig({
      portal: { max_concurrent_calls: MAX_CONCURRENT, max_queued_calls: MAX_QUEUED, max_queued_bytes: MAX_QUEUED_BYTES },
    });
    sut = new PortalCallQueue(configServiceFor(config), new ResilienceMetrics(registry), new SystemClock());
  });

  afterEach(() => jest.useRealTimers());

  /** A call that answers `value` CALL_MS after it is started, recording when it started. */
  function slowCall(value: string, started: string[]): () => Promise<string> {
    return () => {
      started.push(value);
      return new Promise((resolve) => setTimeout(() => resolve(value), CALL_MS));
    };
  }

  const inFuture = (ms: number) => ({ deadlineMs: Date.now() + ms, bytes: 600 });
  const settled = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));
  const metric = async (name: string) => (await registry.metrics()).split('\n').find((line) => line.startsWith(`${name} `));

  it('starts at most max_concurrent_calls at once and the rest in arrival order as slots free', async () => {
    const started: string[] = [];
    const results = ['a', 'b', 'c', 'd'].map((value) => sut.run(slowCall(value, started), inFuture(1_000)));

    expect(started).toEqual(['a', 'b']);
    await jest.advanceTimersByTimeAsync(CALL_MS);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    await jest.advanceTimersByTimeAsync(CALL_MS);
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('a call waiting at its deadline leaves the queue unsent with QueueTimedOut', async () => {
    const started: string[] = [];
    sut.run(slowCall('a', started), inFuture(1_000));
    sut.run(slowCall('b', started), inFuture(1_000));
    const late = settled(sut.run(slowCall('c', started), inFuture(CALL_MS / 2)));

    await jest.advanceTimersByTimeAsync(CALL_MS / 2);
    const outcome = await late;
    await jest.advanceTimersByTimeAsync(CALL_MS);

    expect((outcome as { error: PortalFailure }).error).toBeInstanceOf(PortalFailure);
    expect((outcome as { error: PortalFailure }).error.kind).toBe(PortalFailureKind.QueueTimedOut);
    expect(started).toEqual(['a', 'b']);
    expect(sut.queued).toBe(0);
  });

  it('the wait counts against the deadline, not against the call: a call sent late still gets its whole time', async () => {
    const started: string[] = [];
    sut.run(slowCall('a', started), inFuture(1_000));
    sut.run(slowCall('b', started), inFuture(1_000));
    const third = sut.run(slowCall('c', started), inFuture(CALL_MS + 1));

    await jest.advanceTimersByTimeAsync(2 * CALL_MS);

    // Sent at CALL_MS, answered at 2 * CALL_MS: after the caller's deadline, which is the caller's concern.
    await expect(third).resolves.toBe('c');
  });

  it('refuses at once with QueueFull past max_queued_calls, and the queued calls still run', async () => {
    const started: string[] = [];
    const accepted = ['a', 'b', 'c', 'd', 'e'].map((value) => sut.run(slowCall(value, started), inFuture(1_000)));

    const refused = await settled(sut.run(slowCall('f', started), inFuture(1_000)));

    expect((refused as { error: PortalFailure }).error.kind).toBe(PortalFailureKind.QueueFull);
    expect((refused as { error: PortalFailure }).error.message).toContain('portal.max_queued_calls 3');
    await jest.advanceTimersByTimeAsync(3 * CALL_MS);
    await expect(Promise.all(accepted)).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(started).not.toContain('f');
  });

  it('refuses with QueueFull when the estimated bytes would pass max_queued_bytes', async () => {
    const started: string[] = [];
    sut.run(slowCall('a', started), inFuture(1_000));
    sut.run(slowCall('b', started), inFuture(1_000));
    sut.run(slowCall('c', started), { deadlineMs: Date.now() + 1_000, bytes: MAX_QUEUED_BYTES - 100 });

    const refused = await settled(sut.run(slowCall('d', started), { deadlineMs: Date.now() + 1_000, bytes: 101 }));

    expect((refused as { error: PortalFailure }).error.kind).toBe(PortalFailureKind.QueueFull);
    expect(sut.queuedBytes).toBe(MAX_QUEUED_BYTES - 100);
    await jest.advanceTimersByTimeAsync(2 * CALL_MS);
  });

  it('a call that throws or rejects frees its slot', async () => {
    const started: string[] = [];
    const thrown = settled(sut.run(() => { throw new Error('sync'); }, inFuture(1_000)));
    const rejected = settled(sut.run(() => Promise.reject(new Error('async')), inFuture(1_000)));
    await thrown;
    await rejected;

    const next = sut.run(slowCall('c', started), inFuture(1_000));

    expect(started).toEqual(['c']);
    await jest.advanceTimersByTimeAsync(CALL_MS);
    await expect(next).resolves.toBe('c');
    expect(sut.inFlight).toBe(0);
  });

  it('reports queue depth, bytes, in-flight calls and the wait', async () => {
    const started: string[] = [];
    sut.run(slowCall('a', started), inFuture(1_000));
    sut.run(slowCall('b', started), inFuture(1_000));
    sut.run(slowCall('c', started), inFuture(1_000));

    expect(await metric('ocserv_agent_portal_queue_depth')).toBe('ocserv_agent_portal_queue_depth 1');
    expect(await metric('ocserv_agent_portal_queue_bytes')).toBe('ocserv_agent_portal_queue_bytes 600');
    expect(await metric('ocserv_agent_portal_calls_in_flight')).toBe('ocserv_agent_portal_calls_in_flight 2');
    await jest.advanceTimersByTimeAsync(2 * CALL_MS);
    expect(await metric('ocserv_agent_portal_queue_depth')).toBe('ocserv_agent_portal_queue_depth 0');
    expect(await metric('ocserv_agent_portal_queue_wait_seconds_sum')).toBe(`ocserv_agent_portal_queue_wait_seconds_sum ${CALL_MS / 1000}`);
  });

  it('estimates a queued call as the overhead plus two bytes per character of the query', () => {
    const query = aPolicyQuery({ username: 'u'.repeat(10), groupname: '', clientIp: '', vpnIp: '', sessionId: '', device: '' });

    expect(queuedCallBytes(query)).toBe(QUEUED_CALL_OVERHEAD_BYTES + 20);
  });
});
