import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SessionCleanupJob } from '../../../src/session/session-cleanup.job';
import { SessionStore } from '../../../src/session/session-store.service';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeClock } from '../builders/fake-clock';
import { aNewVpnSession } from '../builders/vpn-session.builder';

const TTL_SECONDS = 60;
const CLEANUP_INTERVAL_SECONDS = 30;

describe(SessionCleanupJob.name, () => {
  let clock: FakeClock;
  let store: SessionStore;
  let scheduler: SchedulerRegistry;
  let sut: SessionCleanupJob;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers();
    clock = new FakeClock();
    const config = configServiceFor(
      anAgentConfig({ session: { ttl_seconds: TTL_SECONDS, cleanup_interval_seconds: CLEANUP_INTERVAL_SECONDS } }),
    );
    store = new SessionStore(clock, config);
    scheduler = new SchedulerRegistry();
    sut = new SessionCleanupJob(store, scheduler, config);
  });

  afterEach(() => {
    for (const name of scheduler.getIntervals()) {
      clearInterval(scheduler.getInterval(name));
      scheduler.deleteInterval(name);
    }
    jest.useRealTimers();
  });

  describe('run', () => {
    it('purges expired sessions and returns how many went', () => {
      store.add(aNewVpnSession({ sessionId: 'old-1' }));
      store.add(aNewVpnSession({ sessionId: 'old-2' }));
      clock.advanceSeconds(TTL_SECONDS / 2);
      store.add(aNewVpnSession({ sessionId: 'fresh' }));
      clock.advanceSeconds(TTL_SECONDS / 2);

      expect(sut.run()).toBe(2);
      expect(store.list().map((s) => s.sessionId)).toEqual(['fresh']);
    });

    it('returns 0 when nothing has expired', () => {
      store.add(aNewVpnSession());

      expect(sut.run()).toBe(0);
      expect(store.count()).toBe(1);
    });
  });

  describe('onApplicationBootstrap', () => {
    it('registers one interval with the scheduler', () => {
      sut.onApplicationBootstrap();

      expect(scheduler.getIntervals()).toEqual(['session-cleanup']);
    });

    it('purges every cleanup_interval_seconds, not before', () => {
      const purge = jest.spyOn(store, 'removeExpired');
      sut.onApplicationBootstrap();

      jest.advanceTimersByTime(CLEANUP_INTERVAL_SECONDS * 1000 - 1);
      expect(purge).not.toHaveBeenCalled();

      jest.advanceTimersByTime(1);
      expect(purge).toHaveBeenCalledTimes(1);

      jest.advanceTimersByTime(CLEANUP_INTERVAL_SECONDS * 1000);
      expect(purge).toHaveBeenCalledTimes(2);
    });

    it('removes expired sessions when the interval fires', () => {
      store.add(aNewVpnSession({ sessionId: 'old' }));
      clock.advanceSeconds(TTL_SECONDS);
      const purge = jest.spyOn(store, 'removeExpired');
      sut.onApplicationBootstrap();

      jest.advanceTimersByTime(CLEANUP_INTERVAL_SECONDS * 1000);

      expect(purge).toHaveReturnedWith(1);
    });

    it('stops purging once the scheduler clears the interval at shutdown', () => {
      const purge = jest.spyOn(store, 'removeExpired');
      sut.onApplicationBootstrap();

      clearInterval(scheduler.getInterval('session-cleanup'));
      jest.advanceTimersByTime(CLEANUP_INTERVAL_SECONDS * 1000 * 3);

      expect(purge).not.toHaveBeenCalled();
    });
  });
});
