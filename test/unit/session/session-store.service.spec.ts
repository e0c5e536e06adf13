import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { SessionStore } from '../../../src/session/session-store.service';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeClock, FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aNewVpnSession } from '../builders/vpn-session.builder';
import { agentErrorFrom } from '../builders/caught-error';

const TTL_SECONDS = 60;
const MAX_SESSIONS = 3;

describe(SessionStore.name, () => {
  let clock: FakeClock;
  let sut: SessionStore;

  beforeEach(() => {
    clock = new FakeClock();
    sut = storeWith({ ttl_seconds: TTL_SECONDS, max_sessions: MAX_SESSIONS });
  });

  function storeWith(session: { ttl_seconds: number; max_sessions: number }): SessionStore {
    return new SessionStore(clock, configServiceFor(anAgentConfig({ session })));
  }

  const alice1 = aNewVpnSession({ sessionId: 'a1', username: 'alice' });
  const alice2 = aNewVpnSession({ sessionId: 'a2', username: 'alice' });
  const bob1 = aNewVpnSession({ sessionId: 'b1', username: 'bob' });

  describe('add', () => {
    it('stores the session stamped with the current time', () => {
      const stored = sut.add(alice1);

      expect(stored).toEqual({ ...alice1, updatedAtMs: FAKE_CLOCK_START_MS });
      expect(sut.get('a1')).toEqual(stored);
    });

    it('returns a frozen object', () => {
      const stored = sut.add(alice1);

      expect(Object.isFrozen(stored)).toBe(true);
      expect(Object.isFrozen(sut.get('a1'))).toBe(true);
    });

    it('refuses a session id that is already tracked with FAILED_PRECONDITION', () => {
      sut.add(alice1);

      const error = agentErrorFrom(() => sut.add(aNewVpnSession({ sessionId: 'a1', username: 'bob' })));

      expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
      expect(sut.get('a1')?.username).toBe('alice');
    });

    it('accepts a session id again once the earlier session expired', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS);

      const stored = sut.add(aNewVpnSession({ sessionId: 'a1', username: 'bob' }));

      expect(stored.username).toBe('bob');
      expect(sut.listByUsername('alice')).toEqual([]);
    });
  });

  describe('expiry of staggered sessions', () => {
    it('expires each session exactly TTL after its own last confirmation, oldest first', () => {
      sut.add(alice1);
      clock.advanceSeconds(10);
      sut.add(bob1);
      clock.advanceSeconds(20);
      sut.update('a1', { bytesIn: 1 });

      clock.advanceSeconds(TTL_SECONDS - 21); // t = 69 s: bob (t = 10) has 1 s left
      expect(sut.count()).toBe(2);

      clock.advanceSeconds(1); // t = 70 s: bob expired, alice was confirmed at t = 30
      expect(sut.list().map((s) => s.sessionId)).toEqual(['a1']);
      expect(sut.count()).toBe(1);

      clock.advanceSeconds(19);
      expect(sut.list().map((s) => s.sessionId)).toEqual(['a1']);

      clock.advanceSeconds(1);
      expect(sut.list()).toEqual([]);
      expect(sut.count()).toBe(0);
    });

    it('drops an expired session from a user listing even when another user was read last', () => {
      sut.add(alice1);
      clock.advanceSeconds(30);
      sut.add(bob1);
      expect(sut.listByUsername('bob')).toHaveLength(1);

      clock.advanceSeconds(TTL_SECONDS - 30);

      expect(sut.listByUsername('bob')).toHaveLength(1);
      expect(sut.listByUsername('alice')).toEqual([]);
    });
  });

  describe('capacity', () => {
    it('exposes session.max_sessions as capacity', () => {
      expect(sut.capacity).toBe(MAX_SESSIONS);
    });

    it('refuses a new session with RESOURCE_EXHAUSTED when full of live sessions', () => {
      sut.add(alice1);
      sut.add(alice2);
      sut.add(bob1);

      const error = agentErrorFrom(() => sut.add(aNewVpnSession({ sessionId: 'c1', username: 'carol' })));

      expect(error.code).toBe(AgentErrorCode.ResourceExhausted);
      expect(error.message).toContain('session.max_sessions');
      expect(sut.count()).toBe(MAX_SESSIONS);
      expect(sut.get('c1')).toBeUndefined();
    });

    it('accepts a new session when full but one of the stored sessions has expired', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS / 2);
      sut.add(alice2);
      sut.add(bob1);
      clock.advanceSeconds(TTL_SECONDS / 2);

      const stored = sut.add(aNewVpnSession({ sessionId: 'c1', username: 'carol' }));

      expect(stored.sessionId).toBe('c1');
      expect(sut.list().map((s) => s.sessionId)).toEqual(['a2', 'b1', 'c1']);
    });

    it('refreshes a tracked session through upsert even when the store is full', () => {
      sut.add(alice1);
      sut.add(alice2);
      sut.add(bob1);

      expect(() => sut.upsert(alice1)).not.toThrow();
    });
  });

  describe('get', () => {
    it('returns undefined for an id that was never added', () => {
      expect(sut.get('nope')).toBeUndefined();
    });

    it('still returns a session one millisecond before its TTL runs out', () => {
      sut.add(alice1);
      clock.advanceMs(TTL_SECONDS * 1000 - 1);

      expect(sut.get('a1')).toBeDefined();
    });

    it('hides a session once its TTL has run out', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS);

      expect(sut.get('a1')).toBeUndefined();
    });
  });

  describe('upsert', () => {
    it('adds a session that is not tracked yet', () => {
      const stored = sut.upsert(alice1);

      expect(sut.get('a1')).toEqual(stored);
      expect(sut.listByUsername('alice')).toEqual([stored]);
    });

    it('refreshes a tracked session and restarts its TTL', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS - 1);

      const refreshed = sut.upsert({ ...alice1, vpnIp: '10.10.0.9' });
      clock.advanceSeconds(TTL_SECONDS - 1);

      expect(refreshed.updatedAtMs).toBe(FAKE_CLOCK_START_MS + (TTL_SECONDS - 1) * 1000);
      expect(sut.get('a1')?.vpnIp).toBe('10.10.0.9');
    });

    it('keeps the first connect time and the byte counters of a refreshed session', () => {
      sut.add(alice1);
      sut.update('a1', { bytesIn: 10, bytesOut: 20 });
      clock.advanceSeconds(5);

      const refreshed = sut.upsert({ ...alice1, connectedAtMs: alice1.connectedAtMs + 5000, bytesIn: 0, bytesOut: 0 });

      expect(refreshed).toMatchObject({ connectedAtMs: alice1.connectedAtMs, bytesIn: 10, bytesOut: 20 });
    });

    it('keeps one username index entry when a session is refreshed', () => {
      sut.add(alice1);

      sut.upsert(alice1);
      sut.upsert(alice1);

      expect(sut.listByUsername('alice')).toHaveLength(1);
    });

    it('returns a frozen object when it refreshes', () => {
      sut.add(alice1);

      expect(Object.isFrozen(sut.upsert(alice1))).toBe(true);
    });

    it("refuses with FAILED_PRECONDITION an id that another user's live session owns", () => {
      sut.add(alice1);

      const error = agentErrorFrom(() => sut.upsert({ ...alice1, username: 'mallory' }));

      expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
      expect(sut.get('a1')?.username).toBe('alice');
      expect(sut.listByUsername('mallory')).toEqual([]);
    });

    it("lets another user take an id once the first user's session expired, and moves the index", () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS);

      sut.upsert({ ...alice1, username: 'bob' });

      expect(sut.listByUsername('alice')).toEqual([]);
      expect(sut.listByUsername('bob').map((s) => s.sessionId)).toEqual(['a1']);
    });
  });

  describe('update', () => {
    it('applies the changes and restarts the TTL', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS - 1);

      const updated = sut.update('a1', { bytesIn: 100, bytesOut: 200 });
      clock.advanceSeconds(TTL_SECONDS - 1);

      expect(updated).toMatchObject({ bytesIn: 100, bytesOut: 200, username: 'alice' });
      expect(sut.get('a1')?.bytesIn).toBe(100);
    });

    it('returns a frozen object', () => {
      sut.add(alice1);

      expect(Object.isFrozen(sut.update('a1', { bytesIn: 1 }))).toBe(true);
    });

    it('refuses an unknown session with NOT_FOUND', () => {
      expect(agentErrorFrom(() => sut.update('nope', { bytesIn: 1 })).code).toBe(AgentErrorCode.NotFound);
    });

    it('refuses an expired session with NOT_FOUND instead of reviving it', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS);

      expect(agentErrorFrom(() => sut.update('a1', { bytesIn: 1 })).code).toBe(AgentErrorCode.NotFound);
      expect(sut.get('a1')).toBeUndefined();
    });
  });

  describe('remove', () => {
    it('returns what was stored and forgets it', () => {
      const stored = sut.add(alice1);

      expect(sut.remove('a1')).toEqual(stored);
      expect(sut.get('a1')).toBeUndefined();
    });

    it('returns undefined for an id that is not tracked', () => {
      expect(sut.remove('nope')).toBeUndefined();
    });

    it('drops the session from the username index and keeps the user’s other sessions', () => {
      sut.add(alice1);
      sut.add(alice2);

      sut.remove('a1');

      expect(sut.listByUsername('alice').map((s) => s.sessionId)).toEqual(['a2']);
    });

    it('frees the slot so a full store accepts a new session', () => {
      sut.add(alice1);
      sut.add(alice2);
      sut.add(bob1);

      sut.remove('b1');

      expect(() => sut.add(aNewVpnSession({ sessionId: 'c1', username: 'carol' }))).not.toThrow();
    });
  });

  describe('list', () => {
    it('returns live sessions oldest first', () => {
      sut.add(bob1);
      sut.add(alice1);
      sut.add(alice2);

      expect(sut.list().map((s) => s.sessionId)).toEqual(['b1', 'a1', 'a2']);
    });

    it('leaves out sessions whose TTL has run out', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS / 2);
      sut.add(bob1);
      clock.advanceSeconds(TTL_SECONDS / 2);

      expect(sut.list().map((s) => s.sessionId)).toEqual(['b1']);
    });
  });

  describe('listByUsername', () => {
    it("returns only that user's sessions", () => {
      sut.add(alice1);
      sut.add(bob1);
      sut.add(alice2);

      expect(sut.listByUsername('alice').map((s) => s.sessionId)).toEqual(['a1', 'a2']);
    });

    it('returns an empty list for a user with no sessions', () => {
      sut.add(alice1);

      expect(sut.listByUsername('bob')).toEqual([]);
    });

    it('leaves out expired sessions', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS / 2);
      sut.add(alice2);
      clock.advanceSeconds(TTL_SECONDS / 2);

      expect(sut.listByUsername('alice').map((s) => s.sessionId)).toEqual(['a2']);
    });

    it('does not match names by prefix or case', () => {
      sut.add(alice1);

      expect(sut.listByUsername('ali')).toEqual([]);
      expect(sut.listByUsername('Alice')).toEqual([]);
    });
  });

  describe('count', () => {
    it('counts live sessions only', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS / 2);
      sut.add(bob1);
      expect(sut.count()).toBe(2);

      clock.advanceSeconds(TTL_SECONDS / 2);

      expect(sut.count()).toBe(1);
    });
  });

  describe('stats', () => {
    it('describes an empty store', () => {
      expect(sut.stats()).toEqual({
        sessions: 0,
        users: 0,
        bytesIn: 0,
        bytesOut: 0,
        oldestConnectedAtMs: undefined,
        capacity: MAX_SESSIONS,
      });
    });

    it('sums traffic, counts distinct users and finds the oldest connection among live sessions', () => {
      sut.add({ ...alice1, connectedAtMs: 3_000, bytesIn: 10, bytesOut: 1 });
      sut.add({ ...alice2, connectedAtMs: 1_000, bytesIn: 20, bytesOut: 2 });
      sut.add({ ...bob1, connectedAtMs: 2_000, bytesIn: 30, bytesOut: 3 });

      expect(sut.stats()).toEqual({
        sessions: 3,
        users: 2,
        bytesIn: 60,
        bytesOut: 6,
        oldestConnectedAtMs: 1_000,
        capacity: MAX_SESSIONS,
      });
    });

    it('ignores expired sessions', () => {
      sut.add({ ...alice1, connectedAtMs: 1_000, bytesIn: 10 });
      clock.advanceSeconds(TTL_SECONDS / 2);
      sut.add({ ...bob1, connectedAtMs: 2_000, bytesIn: 30 });
      clock.advanceSeconds(TTL_SECONDS / 2);

      expect(sut.stats()).toMatchObject({ sessions: 1, users: 1, bytesIn: 30, oldestConnectedAtMs: 2_000 });
    });
  });

  describe('removeExpired', () => {
    it('purges every expired session and returns how many went', () => {
      sut.add(alice1);
      sut.add(bob1);
      clock.advanceSeconds(TTL_SECONDS / 2);
      sut.add(alice2);
      clock.advanceSeconds(TTL_SECONDS / 2);

      expect(sut.removeExpired()).toBe(2);
      expect(sut.list().map((s) => s.sessionId)).toEqual(['a2']);
    });

    it('returns 0 when nothing has expired', () => {
      sut.add(alice1);

      expect(sut.removeExpired()).toBe(0);
      expect(sut.count()).toBe(1);
    });

    it('clears the username index of purged sessions', () => {
      sut.add(alice1);
      clock.advanceSeconds(TTL_SECONDS);
      sut.removeExpired();

      sut.add(aNewVpnSession({ sessionId: 'a1', username: 'bob' }));

      expect(sut.listByUsername('alice')).toEqual([]);
      expect(sut.listByUsername('bob').map((s) => s.sessionId)).toEqual(['a1']);
    });
  });
});
