import { Logger } from '@nestjs/common';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { PortalBreaker } from '../../../src/resilience/portal-breaker';
import { ResilienceMetrics } from '../../../src/resilience/resilience-metrics';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { agentErrorFromAsync } from '../builders/caught-error';
import { FakePolicyChecker, PORTAL_DOWN } from '../builders/fake-policy-checker';
import { aDenyVerdict, anAllowVerdict, aPolicyQuery } from '../builders/policy-verdict.builder';

const VOLUME_THRESHOLD = 3;
const RESET_TIMEOUT_MS = 1_000;
const CALL_TIMEOUT_MS = 200;
const BREAKER_OPEN = 'portal circuit breaker is open';

/*
 * A real opossum breaker under jest's fake timers: opossum only uses setTimeout
 * (call timeout, reset timeout) and setInterval (rolling-window buckets), which
 * the fake clock drives; advanceTimersByTimeAsync lets its promise chains settle.
 */
describe(PortalBreaker.name, () => {
  let checker: FakePolicyChecker;
  let registry: MetricsRegistry;
  let sut: PortalBreaker;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers();
    checker = new FakePolicyChecker();
    registry = new MetricsRegistry();
    const config = anAgentConfig({
      portal: {
        call_timeout_ms: CALL_TIMEOUT_MS,
        breaker: {
          volume_threshold: VOLUME_THRESHOLD,
          error_threshold_percent: 50,
          reset_timeout_ms: RESET_TIMEOUT_MS,
          rolling_window_ms: 10_000,
        },
      },
      authorization: { decision_timeout_ms: 2_000 },
    });
    sut = new PortalBreaker(checker, configServiceFor(config), new ResilienceMetrics(registry));
  });

  afterEach(() => {
    sut.onModuleDestroy();
    jest.useRealTimers();
  });

  async function failTimes(times: number): Promise<void> {
    checker.fails();
    for (let i = 0; i < times; i++) await agentErrorFromAsync(sut.check(aPolicyQuery()));
  }

  async function openThenWaitForHalfOpen(): Promise<void> {
    await failTimes(VOLUME_THRESHOLD);
    await jest.advanceTimersByTimeAsync(RESET_TIMEOUT_MS);
  }

  async function portalCalls(outcome: string): Promise<number> {
    const metric = await registry.getSingleMetric('ocserv_agent_portal_check_policy_total')!.get();
    return metric.values.find((value) => value.labels['outcome'] === outcome)?.value ?? 0;
  }

  it("passes the portal's verdict through while closed", async () => {
    checker.answers(aDenyVerdict('account suspended'));

    await expect(sut.check(aPolicyQuery())).resolves.toEqual(aDenyVerdict('account suspended'));
    expect(sut.state).toBe('closed');
  });

  it('gives the checker the query and the call timeout as its deadline', async () => {
    await sut.check(aPolicyQuery());

    expect(checker.calls).toEqual([{ query: aPolicyQuery(), timeoutMs: CALL_TIMEOUT_MS }]);
  });

  it("rejects with the checker's own AgentError when the portal fails", async () => {
    checker.fails();

    const error = await agentErrorFromAsync(sut.check(aPolicyQuery()));

    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toBe(PORTAL_DOWN);
  });

  it('turns a plain Error from the checker into UNAVAILABLE naming the failure', async () => {
    checker.fails(new Error('socket hang up'));

    const error = await agentErrorFromAsync(sut.check(aPolicyQuery()));

    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toBe('portal CheckPolicy failed: socket hang up');
  });

  it('stays closed below the volume threshold', async () => {
    await failTimes(VOLUME_THRESHOLD - 1);

    expect(sut.state).toBe('closed');
  });

  it('opens after volume_threshold failures', async () => {
    await failTimes(VOLUME_THRESHOLD);

    expect(sut.state).toBe('open');
  });

  it('rejects at once while open, without calling the portal', async () => {
    await failTimes(VOLUME_THRESHOLD);
    checker.answers(anAllowVerdict());

    const error = await agentErrorFromAsync(sut.check(aPolicyQuery()));

    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toBe(BREAKER_OPEN);
    expect(checker.callCount).toBe(VOLUME_THRESHOLD);
  });

  it('counts calls the open breaker refused apart from failed ones', async () => {
    await failTimes(VOLUME_THRESHOLD);

    await agentErrorFromAsync(sut.check(aPolicyQuery()));

    expect(await portalCalls('failed')).toBe(VOLUME_THRESHOLD);
    expect(await portalCalls('breaker_open')).toBe(1);
  });

  it('stays open until the reset timeout', async () => {
    await failTimes(VOLUME_THRESHOLD);
    checker.answers(anAllowVerdict());

    await jest.advanceTimersByTimeAsync(RESET_TIMEOUT_MS - 1);

    expect(sut.state).toBe('open');
    await agentErrorFromAsync(sut.check(aPolicyQuery()));
    expect(checker.callCount).toBe(VOLUME_THRESHOLD);
  });

  it('goes half-open after the reset timeout', async () => {
    await openThenWaitForHalfOpen();

    expect(sut.state).toBe('half-open');
  });

  it('lets exactly one trial call through while half-open; concurrent calls are refused without reaching the portal', async () => {
    await openThenWaitForHalfOpen();
    checker.hangs();

    const trial = sut.check(aPolicyQuery());
    const others = await Promise.all([1, 2, 3].map(() => agentErrorFromAsync(sut.check(aPolicyQuery()))));

    expect(checker.callCount).toBe(VOLUME_THRESHOLD + 1);
    expect(others.map((error) => error.message)).toEqual([BREAKER_OPEN, BREAKER_OPEN, BREAKER_OPEN]);
    checker.answerHangingCalls(anAllowVerdict());
    await trial;
  });

  it('closes after a successful trial, and calls reach the portal again', async () => {
    await openThenWaitForHalfOpen();
    checker.answers(anAllowVerdict());

    await sut.check(aPolicyQuery());

    expect(sut.state).toBe('closed');
    await expect(sut.check(aPolicyQuery({ username: 'bob' }))).resolves.toEqual(anAllowVerdict());
    expect(checker.calls.map((call) => call.query.username).slice(-2)).toEqual(['alice', 'bob']);
  });

  it('re-opens after a failed trial, refusing calls again until the next reset timeout', async () => {
    await openThenWaitForHalfOpen();
    checker.fails();

    await agentErrorFromAsync(sut.check(aPolicyQuery()));

    expect(sut.state).toBe('open');
    const callsSoFar = checker.callCount;
    expect((await agentErrorFromAsync(sut.check(aPolicyQuery()))).message).toBe(BREAKER_OPEN);
    expect(checker.callCount).toBe(callsSoFar);
    await jest.advanceTimersByTimeAsync(RESET_TIMEOUT_MS);
    expect(sut.state).toBe('half-open');
  });

  describe('a portal that does not answer', () => {
    it('is still waited for just before the call timeout', async () => {
      checker.hangs();
      let settled = false;
      const outcome = agentErrorFromAsync(sut.check(aPolicyQuery())).finally(() => (settled = true));

      await jest.advanceTimersByTimeAsync(CALL_TIMEOUT_MS - 1);

      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await outcome;
    });

    it('is given up at the call timeout with UNAVAILABLE saying it timed out', async () => {
      checker.hangs();
      const outcome = agentErrorFromAsync(sut.check(aPolicyQuery()));

      await jest.advanceTimersByTimeAsync(CALL_TIMEOUT_MS);

      const error = await outcome;
      expect(error.code).toBe(AgentErrorCode.Unavailable);
      expect(error.message).toMatch(/timed out/);
    });

    it('counts its timeouts as failures that open the breaker', async () => {
      checker.hangs();
      for (let i = 0; i < VOLUME_THRESHOLD; i++) {
        const outcome = agentErrorFromAsync(sut.check(aPolicyQuery()));
        await jest.advanceTimersByTimeAsync(CALL_TIMEOUT_MS);
        await outcome;
      }

      expect(sut.state).toBe('open');
    });

    it('ignores an answer that arrives after the timeout', async () => {
      checker.hangs();
      const outcome = agentErrorFromAsync(sut.check(aPolicyQuery()));
      await jest.advanceTimersByTimeAsync(CALL_TIMEOUT_MS);

      checker.answerHangingCalls(anAllowVerdict());

      await expect(outcome).resolves.toBeInstanceOf(AgentError);
    });
  });
});
