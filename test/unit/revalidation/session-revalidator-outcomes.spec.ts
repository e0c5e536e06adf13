import { Logger } from '@nestjs/common';
import type { AuthorizationConfig } from '../../../src/config/agent-config.schema';
import { AgentError } from '../../../src/errors/agent-error';
import { PortalFailure, PortalFailureKind } from '../../../src/portal/portal-failure';
import { SessionRevalidator } from '../../../src/revalidation/session-revalidator';
import { portalDown } from '../builders/fake-session-validator';
import { anInvalidSessionVerdict } from '../builders/session-verdict.builder';
import { advance, INTERVAL_MS, RevalidationRig } from './revalidation-rig';

type FailMode = AuthorizationConfig['fail_mode'];
type Action = 'keep' | 'disconnect';

const OTHER_ACTION: Record<Action, Action> = { keep: 'disconnect', disconnect: 'keep' };

/** What the revalidator does with each answer, each failure, and the breaker's state. */
describe(`${SessionRevalidator.name} outcomes`, () => {
  let rig: RevalidationRig;
  let warn: jest.SpyInstance;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn');
    rig = new RevalidationRig();
  });

  afterEach(async () => {
    rig.sut.onApplicationShutdown();
    await rig.sut.stopped;
    warn.mockRestore();
    jest.useRealTimers();
  });

  /** Boots the revalidator over sessions of `usernames` and runs one whole round (sessions spread over the interval). */
  async function oneRound(usernames: string[]): Promise<void> {
    rig.connect(...usernames);
    rig.sut.onApplicationBootstrap();
    await advance(2 * INTERVAL_MS - 1);
  }

  /** A rig on other settings than the defaults `beforeEach` built. */
  function withConfig(overrides: ConstructorParameters<typeof RevalidationRig>[0]): RevalidationRig {
    rig = new RevalidationRig(overrides);
    return rig;
  }

  describe('a valid answer', () => {
    it('leaves the session alone', async () => {
      await oneRound(['alice']);

      expect(rig.terminator.orders).toEqual([]);
      expect(await rig.validations('valid')).toBe(1);
    });
  });

  describe('a revocation', () => {
    it('ends the session as a policy violation, quoting the portal', async () => {
      rig.validator.answersFor('bob', anInvalidSessionVerdict('account revoked'));

      await oneRound(['alice', 'bob']);

      expect(rig.terminator.orders).toEqual([
        { sessionId: 'sess-bob', username: 'bob', reason: 'POLICY_VIOLATION', detail: 'portal ValidateSession: account revoked' },
      ]);
      expect(await rig.validations('invalid')).toBe(1);
      expect(await rig.validations('valid')).toBe(1);
    });

    it('ends the session on force_disconnect even when the answer also says valid', async () => {
      rig.validator.answersFor('alice', { valid: true, invalidReason: 'token expired', forceDisconnect: true });

      await oneRound(['alice']);

      expect(rig.terminator.orders).toMatchObject([{ sessionId: 'sess-alice', detail: 'portal ValidateSession: token expired' }]);
    });

    it('ends the session on valid: false without force_disconnect', async () => {
      rig.validator.answers(anInvalidSessionVerdict('left the company', { forceDisconnect: false }));

      await oneRound(['alice']);

      expect(rig.terminator.orders).toHaveLength(1);
    });

    it('says so when the portal gave no reason', async () => {
      rig.validator.answers(anInvalidSessionVerdict(''));

      await oneRound(['alice']);

      expect(rig.terminator.orders[0]?.detail).toBe('portal ValidateSession: (no reason given)');
    });

    it('counts the session as ended by cause', async () => {
      rig.validator.answers(anInvalidSessionVerdict());

      await oneRound(['alice', 'bob']);

      expect(await rig.metric('ocserv_agent_revalidation_sessions_ended_total', { cause: 'invalid' })).toBe(2);
    });

    it('does not count a session ocserv no longer had as ended', async () => {
      rig.validator.answers(anInvalidSessionVerdict());
      rig.terminator.findsSessionsGone();

      await oneRound(['alice']);

      expect(rig.terminator.orders).toHaveLength(1);
      expect(await rig.metric('ocserv_agent_revalidation_sessions_ended_total')).toBe(0);
    });

    it('counts a failed end and goes on with the round', async () => {
      rig.validator.answers(anInvalidSessionVerdict());
      rig.terminator.fails(AgentError.notImplemented('not provided yet'));

      await oneRound(['alice', 'bob']);

      expect(rig.terminator.orders.map((order) => order.username)).toEqual(['alice', 'bob']);
      expect(await rig.metric('ocserv_agent_revalidation_session_end_failures_total')).toBe(2);
    });
  });

  describe('when the portal cannot be asked', () => {
    const UNAVAILABLE_DETAIL = (mode: FailMode): string =>
      `portal unavailable at revalidation (revalidation.when_portal_unavailable.${mode} = disconnect)`;

    it('keeps the session by default and counts the call as failed', async () => {
      rig.validator.fails(portalDown());

      await oneRound(['alice']);

      expect(rig.terminator.orders).toEqual([]);
      expect(await rig.validations('failed')).toBe(1);
    });

    describe.each<[FailMode, Action, boolean]>([
      ['close', 'keep', false],
      ['close', 'disconnect', true],
      ['open', 'keep', false],
      ['open', 'disconnect', true],
      ['stale', 'keep', false],
      ['stale', 'disconnect', true],
    ])('authorization.fail_mode %s, when_portal_unavailable.%s = %s', (mode, action, ends) => {
      function configFor(): ConstructorParameters<typeof RevalidationRig>[0] {
        // The other modes get the other action: only the entry for the running fail mode may count.
        const table = { close: OTHER_ACTION[action], open: OTHER_ACTION[action], stale: OTHER_ACTION[action], [mode]: action };
        return { authorization: { fail_mode: mode }, revalidation: { when_portal_unavailable: table } };
      }

      it(`${ends ? 'ends' : 'keeps'} the session when ValidateSession fails`, async () => {
        const timedOut = new PortalFailure(PortalFailureKind.TimedOut, 'portal ValidateSession failed: DEADLINE_EXCEEDED');
        withConfig(configFor()).validator.fails(timedOut);

        await oneRound(['alice']);

        expect(rig.terminator.orders).toEqual(
          ends ? [{ sessionId: 'sess-alice', username: 'alice', reason: 'POLICY_VIOLATION', detail: UNAVAILABLE_DETAIL(mode) }] : [],
        );
      });

      it(`${ends ? 'ends' : 'keeps'} the session while the breaker is open, without asking the portal`, async () => {
        withConfig(configFor()).breaker.state = 'open';

        await oneRound(['alice']);

        expect(rig.validator.calls).toHaveLength(0);
        expect(rig.terminator.orders).toHaveLength(ends ? 1 : 0);
      });
    });

    it('counts an ended session under cause portal_unavailable', async () => {
      withConfig({ revalidation: { when_portal_unavailable: { close: 'disconnect' } } }).validator.fails(portalDown());

      await oneRound(['alice']);

      expect(await rig.metric('ocserv_agent_revalidation_sessions_ended_total', { cause: 'portal_unavailable' })).toBe(1);
    });

    it('keeps a session whose check failed inside the agent (not a portal failure), even with disconnect', async () => {
      withConfig({ revalidation: { when_portal_unavailable: { close: 'disconnect' } } }).validator.fails(new TypeError('a bug'));

      await oneRound(['alice']);

      expect(rig.terminator.orders).toEqual([]);
      expect(await rig.validations('failed')).toBe(1);
    });

    it('logs the outage once per round, not once per session', async () => {
      rig.validator.fails(portalDown());
      const outageLines = (): number =>
        warn.mock.calls.filter(([line]) => String((line as { msg?: string }).msg).startsWith('portal unavailable at revalidation')).length;

      await oneRound(['alice', 'bob', 'carol']);
      expect(outageLines()).toBe(1);

      await advance(INTERVAL_MS);
      expect(outageLines()).toBe(2);
    });
  });

  describe('while the breaker is open', () => {
    it('sends nothing and counts each turn as skipped_breaker_open', async () => {
      rig.breaker.state = 'open';

      await oneRound(['alice', 'bob']);

      expect(rig.validator.calls).toHaveLength(0);
      expect(await rig.validations('skipped_breaker_open')).toBe(2);
      expect(rig.terminator.orders).toEqual([]);
    });

    it('asks again once the breaker has closed', async () => {
      rig.breaker.state = 'open';
      rig.connect('alice');
      rig.sut.onApplicationBootstrap();
      await advance(INTERVAL_MS);

      rig.breaker.state = 'closed';
      await advance(INTERVAL_MS);

      expect(rig.validator.usernamesAsked).toEqual(['alice']);
    });

    it('asks while half-open: ValidateSession is not the trial call the breaker admits', async () => {
      rig.breaker.state = 'half-open';

      await oneRound(['alice']);

      expect(rig.validator.calls).toHaveLength(1);
    });
  });

  describe('round duration', () => {
    it('is observed once per round, from its start to its last answer', async () => {
      await oneRound(['alice', 'bob', 'carol', 'dave']);

      const metric = await rig.registry.getSingleMetric('ocserv_agent_revalidation_round_duration_seconds')!.get();
      const value = (suffix: string): number | undefined =>
        // prom-client sets metricName on a histogram's values (_bucket, _sum, _count); its type does not say so.
        metric.values.find((v) => (v as { metricName?: string }).metricName === `ocserv_agent_revalidation_round_duration_seconds_${suffix}`)
          ?.value;
      expect(value('count')).toBe(1);
      expect(value('sum')).toBe((3 * INTERVAL_MS) / 4 / 1000);
    });
  });
});
