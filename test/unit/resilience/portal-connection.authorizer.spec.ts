import { Logger } from '@nestjs/common';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { DecisionCache } from '../../../src/resilience/decision-cache';
import type { DecisionSubject } from '../../../src/resilience/decision-key';
import type { FailMode } from '../../../src/resilience/fail-mode';
import { PortalBreaker } from '../../../src/resilience/portal-breaker';
import { PortalCallQueue } from '../../../src/resilience/portal-call-queue';
import { HOOK_MARGIN_MS, PortalConnectionAuthorizer } from '../../../src/resilience/portal-connection.authorizer';
import { ResilienceMetrics } from '../../../src/resilience/resilience-metrics';
import type { ConnectDecision } from '../../../src/vpn/vpn-notices';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeClock } from '../builders/fake-clock';
import { FakePolicyChecker, PORTAL_DOWN } from '../builders/fake-policy-checker';
import { aDenyVerdict, aDisconnectVerdict, anAllowVerdict } from '../builders/policy-verdict.builder';
import { aConnectNotice } from '../builders/vpn-request.builder';

const FRESH_TTL_SECONDS = 60;
const STALE_TTL_SECONDS = 600;
const DECISION_TIMEOUT_MS = 2_000;
const CALL_TIMEOUT_MS = 1_500;
const BREAKER_VOLUME_THRESHOLD = 3;

/** The subject aConnectNotice() is about. */
const ALICE: DecisionSubject = { username: 'alice', groupname: 'staff', clientIp: '198.51.100.7', device: 'vpns0' };

/*
 * Real DecisionCache (on a FakeClock) and real PortalBreaker (opossum) over a
 * FakePolicyChecker. jest's fake timers drive the decision budget and opossum's
 * call timeout; the FakeClock drives the cache's TTLs.
 */
describe(PortalConnectionAuthorizer.name, () => {
  let clock: FakeClock;
  let checker: FakePolicyChecker;
  let registry: MetricsRegistry;
  let cache: DecisionCache;
  let breaker: PortalBreaker;
  let sut: PortalConnectionAuthorizer;

  beforeAll(() => Logger.overrideLogger(false));

  function setUp(failMode: FailMode = 'close', maxConcurrentCalls = 100): void {
    breaker?.onModuleDestroy();
    const config = configServiceFor(
      anAgentConfig({
        authorization: {
          fail_mode: failMode,
          decision_timeout_ms: DECISION_TIMEOUT_MS,
          cache: { fresh_ttl_seconds: FRESH_TTL_SECONDS, stale_ttl_seconds: STALE_TTL_SECONDS },
        },
        portal: {
          call_timeout_ms: CALL_TIMEOUT_MS,
          max_concurrent_calls: maxConcurrentCalls,
          breaker: { volume_threshold: BREAKER_VOLUME_THRESHOLD, reset_timeout_ms: 10_000 },
        },
      }),
    );
    registry = new MetricsRegistry();
    const metrics = new ResilienceMetrics(registry);
    cache = new DecisionCache(config, clock);
    breaker = new PortalBreaker(checker, config, metrics);
    sut = new PortalConnectionAuthorizer(cache, breaker, new PortalCallQueue(config, metrics, clock), metrics, config, clock);
  }

  beforeEach(() => {
    jest.useFakeTimers();
    clock = new FakeClock();
    checker = new FakePolicyChecker();
    setUp();
  });

  afterEach(() => {
    breaker.onModuleDestroy();
    jest.useRealTimers();
  });

  /** `decide` with a flag saying whether the decision has arrived yet. */
  function decideTracked(...args: Parameters<PortalConnectionAuthorizer['decide']>): {
    readonly decision: Promise<ConnectDecision>;
    readonly arrived: () => boolean;
  } {
    let arrived = false;
    const decision = sut.decide(...args).finally(() => (arrived = true));
    return { decision, arrived: () => arrived };
  }

  async function portalCalls(outcome: string): Promise<number> {
    const metric = await registry.getSingleMetric('ocserv_agent_portal_check_policy_total')!.get();
    return metric.values.find((value) => value.labels['outcome'] === outcome)?.value ?? 0;
  }

  describe('with a fresh cached decision', () => {
    it('answers from the cache without asking the portal', async () => {
      await cache.put(ALICE, aDenyVerdict('account suspended'));

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, source: 'cache', denyReason: 'account suspended' });
      expect(checker.callCount).toBe(0);
    });
  });

  describe('without a cached decision', () => {
    it("asks the portal once and answers with its verdict, metadata as config params", async () => {
      checker.answers(anAllowVerdict({ routes: ['10.20.0.0/16'], metadata: { profile: 'staff' } }));

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toEqual({
        allowed: true,
        source: 'portal',
        shouldDisconnect: false,
        denyReason: '',
        routes: ['10.20.0.0/16'],
        dnsServers: ['10.10.0.53'],
        configParams: { profile: 'staff' },
      });
      expect(checker.callCount).toBe(1);
    });

    it('asks about the connection the notice describes', async () => {
      await sut.decide(aConnectNotice({ sessionId: 'sess-alice-9', vpnIp: '10.10.0.9', deviceId: 'vpns3' }));

      expect(checker.calls[0]?.query).toEqual({
        username: 'alice',
        groupname: 'staff',
        clientIp: '198.51.100.7',
        vpnIp: '10.10.0.9',
        sessionId: 'sess-alice-9',
        device: 'vpns3',
      });
    });

    it("caches the portal's verdict, so the next decision comes from the cache", async () => {
      checker.answers(anAllowVerdict());
      await sut.decide(aConnectNotice());

      const decision = await sut.decide(aConnectNotice());

      expect(decision.source).toBe('cache');
      expect(checker.callCount).toBe(1);
      await expect(cache.getFresh(ALICE)).resolves.toEqual(anAllowVerdict());
    });

    it('asks the portal again once the cached decision is past its fresh TTL', async () => {
      await sut.decide(aConnectNotice());

      clock.advanceSeconds(FRESH_TTL_SECONDS);
      const decision = await sut.decide(aConnectNotice());

      expect(decision.source).toBe('portal');
      expect(checker.callCount).toBe(2);
    });

    it('does not cache a verdict whose metadata says cache: no-store', async () => {
      checker.answers(anAllowVerdict({ metadata: { cache: 'no-store' } }));
      await sut.decide(aConnectNotice());

      const decision = await sut.decide(aConnectNotice());

      expect(decision.source).toBe('portal');
      expect(checker.callCount).toBe(2);
      await expect(cache.getStale(ALICE)).resolves.toBeUndefined();
    });
  });

  describe('concurrent requests', () => {
    it('share one portal call among 10 identical requests, and all get its answer', async () => {
      checker.answers(anAllowVerdict({ routes: ['10.30.0.0/16'] }));

      const decisions = await Promise.all(Array.from({ length: 10 }, () => sut.decide(aConnectNotice())));

      expect(checker.callCount).toBe(1);
      expect(new Set(decisions.map((decision) => JSON.stringify(decision))).size).toBe(1);
      expect(decisions[0]).toMatchObject({ allowed: true, source: 'portal', routes: ['10.30.0.0/16'] });
    });

    it('share one portal call while the portal is slow to answer', async () => {
      checker.hangs();
      const decisions = Array.from({ length: 10 }, () => sut.decide(aConnectNotice()));
      await jest.advanceTimersByTimeAsync(100);

      checker.answerHangingCalls(aDenyVerdict('quota exceeded'));

      const answers = await Promise.all(decisions);
      expect(checker.callCount).toBe(1);
      expect(answers.every((decision) => decision.denyReason === 'quota exceeded' && decision.source === 'portal')).toBe(true);
    });

    it('ask the portal separately about different users', async () => {
      checker.hangs();
      const decisions = [sut.decide(aConnectNotice({ username: 'alice' })), sut.decide(aConnectNotice({ username: 'bob' }))];
      await jest.advanceTimersByTimeAsync(100);

      checker.answerHangingCalls(anAllowVerdict());

      await Promise.all(decisions);
      expect(checker.calls.map((call) => call.query.username)).toEqual(['alice', 'bob']);
    });

    it('do not join a call the user was invalidated after: a new question goes out', async () => {
      checker.hangs();
      const before = sut.decide(aConnectNotice());
      await jest.advanceTimersByTimeAsync(10);
      cache.invalidateUser('alice');

      const after = sut.decide(aConnectNotice());
      await jest.advanceTimersByTimeAsync(10);
      checker.answerHangingCalls(aDenyVerdict('suspended since'));

      await Promise.all([before, after]);
      expect(checker.callCount).toBe(2);
    });

    it('ask again after the shared call has finished and its answer was not cached', async () => {
      checker.answers(anAllowVerdict({ metadata: { cache: 'no-store' } }));
      await sut.decide(aConnectNotice());

      await sut.decide(aConnectNotice());

      expect(checker.callCount).toBe(2);
    });
  });

  describe('when the portal fails', () => {
    beforeEach(() => checker.fails());

    it('denies with fail_mode close, saying why', async () => {
      setUp('close');

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, source: 'fail-close', portalFailure: PORTAL_DOWN });
      expect(decision.denyReason).toBe('portal unreachable; fail mode close');
    });

    it('allows with fail_mode open, saying why', async () => {
      setUp('open');

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: true, source: 'fail-open', portalFailure: PORTAL_DOWN, routes: [] });
    });

    it('denies with fail_mode stale when there is no decision within the stale window', async () => {
      setUp('stale');

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, source: 'fail-close', portalFailure: PORTAL_DOWN });
      expect(decision.denyReason).toContain('stale window');
    });

    it('answers with the stale decision with fail_mode stale', async () => {
      setUp('stale');
      await cache.put(ALICE, anAllowVerdict({ routes: ['10.40.0.0/16'] }));
      clock.advanceSeconds(FRESH_TTL_SECONDS + 1);

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: true, source: 'stale', routes: ['10.40.0.0/16'], portalFailure: PORTAL_DOWN });
    });

    it('keeps a stale deny a deny with fail_mode stale', async () => {
      setUp('stale');
      await cache.put(ALICE, aDenyVerdict('account suspended'));
      clock.advanceSeconds(FRESH_TTL_SECONDS + 1);

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, source: 'stale', denyReason: 'account suspended' });
    });

    it('does not serve a decision past the stale window with fail_mode stale', async () => {
      setUp('stale');
      await cache.put(ALICE, anAllowVerdict());
      clock.advanceSeconds(STALE_TTL_SECONDS);

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, source: 'fail-close' });
    });

    it('ignores a stale decision with fail_mode close', async () => {
      setUp('close');
      await cache.put(ALICE, anAllowVerdict());
      clock.advanceSeconds(FRESH_TTL_SECONDS + 1);

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, source: 'fail-close' });
    });

    it('decides by the fail mode without reaching the portal once the breaker is open', async () => {
      for (let i = 0; i < BREAKER_VOLUME_THRESHOLD; i++) await sut.decide(aConnectNotice());

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ source: 'fail-close', portalFailure: 'portal circuit breaker is open' });
      expect(checker.callCount).toBe(BREAKER_VOLUME_THRESHOLD);
    });
  });

  describe('a stale decision while the portal answers (fail_mode stale)', () => {
    beforeEach(async () => {
      setUp('stale');
      await cache.put(ALICE, anAllowVerdict());
      clock.advanceSeconds(FRESH_TTL_SECONDS + 1);
      checker.answers(aDenyVerdict('account suspended'));
    });

    it("is never served: the portal's answer wins", async () => {
      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, source: 'portal', denyReason: 'account suspended' });
      expect(checker.callCount).toBe(1);
    });

    it("is replaced in the cache by the portal's answer", async () => {
      await sut.decide(aConnectNotice());

      await expect(cache.getFresh(ALICE)).resolves.toEqual(aDenyVerdict('account suspended'));
    });
  });

  describe('a portal that does not answer', () => {
    beforeEach(() => checker.hangs());

    // The schema keeps call_timeout_ms <= decision_timeout_ms, so the breaker's timeout ends the wait first.
    it('gets a fail-mode decision by the call timeout, within decision_timeout_ms', async () => {
      const { decision, arrived } = decideTracked(aConnectNotice());

      await jest.advanceTimersByTimeAsync(CALL_TIMEOUT_MS - 1);
      expect(arrived()).toBe(false);
      await jest.advanceTimersByTimeAsync(1);

      expect(arrived()).toBe(true);
      await expect(decision).resolves.toMatchObject({
        allowed: false,
        source: 'fail-close',
        portalFailure: expect.stringMatching(/timed out/),
      });
    });

    it('gets a fail-mode decision within a hook budget, less the hook margin', async () => {
      const hookBudgetMs = 600;
      const { decision, arrived } = decideTracked(aConnectNotice(), { budgetMs: hookBudgetMs });

      await jest.advanceTimersByTimeAsync(hookBudgetMs - HOOK_MARGIN_MS - 1);
      expect(arrived()).toBe(false);
      await jest.advanceTimersByTimeAsync(1);

      expect(arrived()).toBe(true);
      await expect(decision).resolves.toMatchObject({
        allowed: false,
        source: 'fail-close',
        portalFailure: 'no portal answer within the 350 ms decision budget',
      });
      expect(await portalCalls('over_budget')).toBe(1);
    });

    it('caches the answer that arrives after the budget ran out, for the next decision', async () => {
      const first = sut.decide(aConnectNotice(), { budgetMs: 600 });
      await jest.advanceTimersByTimeAsync(600 - HOOK_MARGIN_MS);
      await first;

      checker.answerHangingCalls(anAllowVerdict({ routes: ['10.50.0.0/16'] }));
      await jest.advanceTimersByTimeAsync(0);
      const next = await sut.decide(aConnectNotice());

      expect(next).toMatchObject({ allowed: true, source: 'cache', routes: ['10.50.0.0/16'] });
      expect(checker.callCount).toBe(1);
    });

    it('shares the late call with a request arriving while it is still out', async () => {
      const first = sut.decide(aConnectNotice(), { budgetMs: 600 });
      await jest.advanceTimersByTimeAsync(600 - HOOK_MARGIN_MS);
      await first;

      const second = sut.decide(aConnectNotice());
      await jest.advanceTimersByTimeAsync(100);
      checker.answerHangingCalls(anAllowVerdict());

      await expect(second).resolves.toMatchObject({ allowed: true, source: 'portal' });
      expect(checker.callCount).toBe(1);
    });

    it('gets a decision at once when the hook budget is already smaller than the margin', async () => {
      const { decision, arrived } = decideTracked(aConnectNotice(), { budgetMs: HOOK_MARGIN_MS - 100 });

      await jest.advanceTimersByTimeAsync(1);

      expect(arrived()).toBe(true);
      await expect(decision).resolves.toMatchObject({ source: 'fail-close' });
    });
  });

  // Issue 14: in a storm the wait is the agent's own; the hook's budget bounds it, not decision_timeout_ms.
  describe('a call queued behind another (portal.max_concurrent_calls 1)', () => {
    const BOB = aConnectNotice({ username: 'bob' });
    const HOOK_BUDGET_MS = 5_000;

    beforeEach(() => {
      setUp('close', 1);
      checker.hangs();
    });

    /** Bob's call holds the one slot until 1,000 ms; alice's waits behind it, then her own call hangs until `answerAtMs` (< 1,000 + call_timeout_ms). */
    async function aliceQueuedBehindBob(deadline: { budgetMs?: number }, answerAtMs: number): Promise<ConnectDecision> {
      void sut.decide(BOB, { budgetMs: HOOK_BUDGET_MS });
      const alice = sut.decide(aConnectNotice(), deadline);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(checker.callCount).toBe(1);
      checker.answerHangingCalls(anAllowVerdict());
      await jest.advanceTimersByTimeAsync(answerAtMs - 1_000);
      checker.answerHangingCalls(anAllowVerdict({ routes: ['10.60.0.0/16'] }));
      await jest.advanceTimersByTimeAsync(0);
      return alice;
    }

    it("gets the portal's answer after queueing past decision_timeout_ms, within the hook's budget", async () => {
      const decision = await aliceQueuedBehindBob({ budgetMs: HOOK_BUDGET_MS }, DECISION_TIMEOUT_MS + 400);

      expect(decision).toMatchObject({ allowed: true, source: 'portal', routes: ['10.60.0.0/16'] });
      expect(checker.callCount).toBe(2);
      expect(await portalCalls('over_budget')).toBe(0);
    });

    it('without a budget from the caller, still ends at decision_timeout_ms', async () => {
      const decision = await aliceQueuedBehindBob({}, DECISION_TIMEOUT_MS + 400);

      expect(decision).toMatchObject({ allowed: false, source: 'fail-close' });
      expect(decision.portalFailure).toMatch(/2000 ms decision budget/);
    });

    it('is a portal failure when the portal, once asked, takes longer than call_timeout_ms', async () => {
      void sut.decide(BOB, { budgetMs: HOOK_BUDGET_MS });
      const { decision, arrived } = decideTracked(aConnectNotice(), { budgetMs: HOOK_BUDGET_MS });
      await jest.advanceTimersByTimeAsync(1_000);
      checker.answerHangingCalls(anAllowVerdict());

      // Alice's call left the queue at 1,000 ms; its own timeout runs from there.
      await jest.advanceTimersByTimeAsync(CALL_TIMEOUT_MS - 1);
      expect(arrived()).toBe(false);
      await jest.advanceTimersByTimeAsync(1);

      expect(arrived()).toBe(true);
      await expect(decision).resolves.toMatchObject({ allowed: false, source: 'fail-close', portalFailure: expect.stringMatching(/timed out/) });
    });
  });

  describe('a verdict with should_disconnect', () => {
    it('denies, telling the caller to disconnect', async () => {
      checker.answers(aDisconnectVerdict('account disabled'));

      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: false, shouldDisconnect: true, source: 'portal', denyReason: 'account disabled' });
    });

    it("drops the user's other cached decisions but not another user's", async () => {
      const aliceElsewhere: DecisionSubject = { ...ALICE, clientIp: '203.0.113.9' };
      const bob: DecisionSubject = { ...ALICE, username: 'bob' };
      await cache.put(aliceElsewhere, anAllowVerdict());
      await cache.put(bob, anAllowVerdict());
      checker.answers(aDisconnectVerdict());

      await sut.decide(aConnectNotice());

      await expect(cache.getStale(aliceElsewhere)).resolves.toBeUndefined();
      await expect(cache.getFresh(bob)).resolves.toEqual(anAllowVerdict());
    });

    it('is not cached itself: the next connection asks the portal again', async () => {
      checker.answers(aDisconnectVerdict());
      await sut.decide(aConnectNotice());

      checker.answers(anAllowVerdict());
      const decision = await sut.decide(aConnectNotice());

      expect(decision).toMatchObject({ allowed: true, source: 'portal' });
    });
  });

  describe('an invalidation while a portal call is out', () => {
    it('does not let the answer to the earlier question be served from the cache afterwards', async () => {
      checker.hangs();
      const first = sut.decide(aConnectNotice());
      await jest.advanceTimersByTimeAsync(100);

      cache.invalidateUser('alice'); // DisconnectUser, while CheckPolicy is out
      checker.answerHangingCalls(anAllowVerdict());
      await first;

      checker.answers(aDenyVerdict('account disabled'));
      const next = await sut.decide(aConnectNotice());

      expect(next).toMatchObject({ allowed: false, source: 'portal' });
    });

    it("does not cache another of the user's answers that was out when the portal said disconnect", async () => {
      checker.hangs();
      const fromHome = sut.decide(aConnectNotice({ clientIp: '203.0.113.9' }));
      await jest.advanceTimersByTimeAsync(100);
      checker.answers(aDisconnectVerdict());
      await sut.decide(aConnectNotice());

      checker.answerHangingCalls(anAllowVerdict());
      await fromHome;

      await expect(cache.getStale({ ...ALICE, clientIp: '203.0.113.9' })).resolves.toBeUndefined();
    });
  });
});
