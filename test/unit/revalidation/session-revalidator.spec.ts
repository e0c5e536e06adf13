import { Logger } from '@nestjs/common';
import { SessionRevalidator } from '../../../src/revalidation/session-revalidator';
import { portalDown } from '../builders/fake-session-validator';
import { anInvalidSessionVerdict } from '../builders/session-verdict.builder';
import { aNewVpnSession } from '../builders/vpn-session.builder';
import { advance, CALL_TIMEOUT_MS, INTERVAL_MS, RevalidationRig } from './revalidation-rig';

/*
 * When the revalidator asks, how many at once, and that it stops: jest's fake timers
 * drive both its waits and the system clock it reads.
 */
describe(SessionRevalidator.name, () => {
  let rig: RevalidationRig;
  let bootMs: number;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers();
    bootMs = Date.now();
  });

  afterEach(async () => {
    rig.sut.onApplicationShutdown();
    await rig.sut.stopped;
    jest.useRealTimers();
  });

  function start(overrides: ConstructorParameters<typeof RevalidationRig>[0] = {}): RevalidationRig {
    rig = new RevalidationRig(overrides);
    return rig;
  }

  function callOffsetsMs(): number[] {
    return rig.validator.calls.map((call) => call.atMs - bootMs);
  }

  it('asks nothing while revalidation is disabled', async () => {
    start({ revalidation: { enabled: false } });
    rig.connect('alice');
    rig.sut.onApplicationBootstrap();

    await advance(10 * INTERVAL_MS);

    expect(rig.validator.calls).toHaveLength(0);
  });

  it('starts the first round one interval after boot', async () => {
    start();
    rig.connect('alice');
    rig.sut.onApplicationBootstrap();

    await advance(INTERVAL_MS - 1);
    expect(rig.validator.calls).toHaveLength(0);

    await advance(1);
    expect(callOffsetsMs()).toEqual([INTERVAL_MS]);
  });

  it('asks about each session by its username, session id and client IP, with the call timeout as deadline', async () => {
    start();
    rig.store.add(aNewVpnSession({ sessionId: 'sess-9', username: 'carol', clientIp: '203.0.113.9' }));
    rig.sut.onApplicationBootstrap();

    await advance(INTERVAL_MS);

    expect(rig.validator.calls).toEqual([
      {
        query: { username: 'carol', sessionId: 'sess-9', clientIp: '203.0.113.9' },
        timeoutMs: CALL_TIMEOUT_MS,
        atMs: bootMs + INTERVAL_MS,
      },
    ]);
  });

  it('spreads a round evenly over the interval: session i of n at i * interval / n, not all at once', async () => {
    start();
    rig.connect('alice', 'bob', 'carol', 'dave');
    rig.sut.onApplicationBootstrap();

    await advance(2 * INTERVAL_MS - 1);

    const quarter = INTERVAL_MS / 4;
    expect(callOffsetsMs()).toEqual([INTERVAL_MS, INTERVAL_MS + quarter, INTERVAL_MS + 2 * quarter, INTERVAL_MS + 3 * quarter]);
    expect(rig.validator.usernamesAsked).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  it('starts each round one interval after the previous one started', async () => {
    start();
    rig.connect('alice', 'bob');
    rig.sut.onApplicationBootstrap();

    await advance(3 * INTERVAL_MS);

    const half = INTERVAL_MS / 2;
    expect(callOffsetsMs()).toEqual([INTERVAL_MS, INTERVAL_MS + half, 2 * INTERVAL_MS, 2 * INTERVAL_MS + half, 3 * INTERVAL_MS]);
  });

  it('takes sessions that connected since the last round in the next one', async () => {
    start();
    rig.connect('alice');
    rig.sut.onApplicationBootstrap();
    await advance(INTERVAL_MS);

    rig.connect('bob');
    await advance(INTERVAL_MS + INTERVAL_MS / 2);

    expect(rig.validator.usernamesAsked).toEqual(['alice', 'alice', 'bob']);
  });

  describe('at most max_concurrent calls at once', () => {
    it('holds later turns while every slot waits for the portal', async () => {
      start({ revalidation: { max_concurrent: 2 } });
      rig.connect('u1', 'u2', 'u3', 'u4', 'u5', 'u6');
      rig.validator.hangs();
      rig.sut.onApplicationBootstrap();

      await advance(2 * INTERVAL_MS);

      expect(rig.validator.calls).toHaveLength(2);
      expect(rig.validator.maxInFlight).toBe(2);
    });

    it('gives freed slots to the waiting turns, overdue ones first, and still asks about everyone', async () => {
      start({ revalidation: { max_concurrent: 2 } });
      rig.connect('u1', 'u2', 'u3', 'u4', 'u5', 'u6');
      rig.validator.hangs();
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS + (5 * INTERVAL_MS) / 6); // every turn of the round is due by now

      for (let settled = 0; settled < 3; settled++) {
        rig.validator.answerHangingCalls();
        await advance(0);
      }

      expect(rig.validator.usernamesAsked).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
      expect(rig.validator.maxInFlight).toBe(2);
    });
  });

  describe('never two rounds at once', () => {
    it('a round still waiting for the portal when the next is due delays the next one', async () => {
      start();
      rig.connect('alice');
      rig.validator.hangs();
      rig.sut.onApplicationBootstrap();

      await advance(4 * INTERVAL_MS);

      expect(rig.validator.calls).toHaveLength(1);
    });

    it('the delayed round starts as soon as the running one finishes', async () => {
      start();
      rig.connect('alice');
      rig.validator.hangs();
      rig.sut.onApplicationBootstrap();
      await advance(2 * INTERVAL_MS + 7_000); // 7 s past when the second round was due

      rig.validator.answerHangingCalls();
      await advance(0);

      expect(callOffsetsMs()).toEqual([INTERVAL_MS, 2 * INTERVAL_MS + 7_000]);
    });
  });

  describe('a session that ended before its turn', () => {
    it('is not asked about', async () => {
      start();
      rig.connect('alice', 'bob');
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.store.remove('sess-bob');
      await advance(INTERVAL_MS / 2);

      expect(rig.validator.usernamesAsked).toEqual(['alice']);
      expect(await rig.validations('skipped_ended')).toBe(1);
    });

    it('is not asked about when its id now belongs to another user', async () => {
      start();
      rig.connect('alice', 'bob');
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.store.remove('sess-bob');
      rig.store.add(aNewVpnSession({ sessionId: 'sess-bob', username: 'mallory' }));
      await advance(INTERVAL_MS / 2);

      expect(rig.validator.usernamesAsked).toEqual(['alice']);
    });
  });

  describe('at shutdown', () => {
    it('starts no pending turn and no further round', async () => {
      start();
      rig.connect('alice', 'bob', 'carol');
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.sut.onApplicationShutdown();
      await advance(5 * INTERVAL_MS);

      expect(rig.validator.usernamesAsked).toEqual(['alice']);
      await expect(rig.sut.stopped).resolves.toBeUndefined();
    });

    it('ends its loop at once, without waiting for the calls still out', async () => {
      start();
      rig.connect('alice');
      rig.validator.hangs();
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.sut.onApplicationShutdown();
      let loopEnded = false;
      void rig.sut.stopped.then(() => (loopEnded = true));
      await advance(0);

      expect(loopEnded).toBe(true);
    });

    it('stops already at module destroy, before the portal client is closed', async () => {
      start();
      rig.connect('alice', 'bob');
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.sut.onModuleDestroy();
      await advance(INTERVAL_MS);

      expect(rig.validator.usernamesAsked).toEqual(['alice']);
    });

    it('does not take a call that fails as the client closes for a portal outage that ends sessions', async () => {
      start({ authorization: { fail_mode: 'close' }, revalidation: { when_portal_unavailable: { close: 'disconnect' } } });
      rig.connect('alice');
      rig.validator.hangs();
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.sut.onModuleDestroy();
      rig.validator.failHangingCalls(portalDown());
      await advance(0);

      expect(rig.terminator.orders).toEqual([]);
      expect(await rig.validations('failed')).toBe(0);
    });

    it('does not end a session on a revocation that arrives after it', async () => {
      start();
      rig.connect('alice');
      rig.validator.hangs();
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.sut.onApplicationShutdown();
      rig.validator.answerHangingCalls(anInvalidSessionVerdict());
      await advance(0);

      expect(rig.terminator.orders).toEqual([]);
    });

    it('never starts when shut down before boot finished', async () => {
      start();
      rig.connect('alice');
      rig.sut.onApplicationShutdown();

      rig.sut.onApplicationBootstrap();
      await advance(2 * INTERVAL_MS);

      expect(rig.validator.calls).toHaveLength(0);
    });
  });
});
