import { DecisionCache } from '../../../src/resilience/decision-cache';
import { decisionKey, type DecisionSubject } from '../../../src/resilience/decision-key';
import { decisionHeapBytes } from '../../../src/resilience/decision-size';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeClock } from '../builders/fake-clock';
import { aDenyVerdict, anAllowVerdict } from '../builders/policy-verdict.builder';

const FRESH_TTL_SECONDS = 60;
const STALE_TTL_SECONDS = 600;

function aSubject(overrides: Partial<DecisionSubject> = {}): DecisionSubject {
  return { username: 'alice', groupname: 'staff', clientIp: '198.51.100.7', device: 'vpns0', ...overrides };
}

describe(DecisionCache.name, () => {
  let clock: FakeClock;
  let sut: DecisionCache;

  function aCache(cache: { enabled?: boolean; max_entries?: number; max_bytes?: number } = {}): DecisionCache {
    const config = anAgentConfig({
      authorization: {
        cache: { fresh_ttl_seconds: FRESH_TTL_SECONDS, stale_ttl_seconds: STALE_TTL_SECONDS, max_entries: 100, ...cache },
      },
    });
    return new DecisionCache(configServiceFor(config), clock);
  }

  beforeEach(() => {
    clock = new FakeClock();
    sut = aCache();
  });

  it('misses when nothing was stored', async () => {
    await expect(sut.getFresh(aSubject())).resolves.toBeUndefined();
    await expect(sut.getStale(aSubject())).resolves.toBeUndefined();
  });

  it('answers fresh within the fresh TTL', async () => {
    const verdict = anAllowVerdict();
    await sut.put(aSubject(), verdict);

    clock.advanceSeconds(FRESH_TTL_SECONDS - 1);

    await expect(sut.getFresh(aSubject())).resolves.toEqual(verdict);
  });

  it('stops answering fresh at the fresh TTL but still answers stale', async () => {
    const verdict = anAllowVerdict();
    await sut.put(aSubject(), verdict);

    clock.advanceSeconds(FRESH_TTL_SECONDS);

    await expect(sut.getFresh(aSubject())).resolves.toBeUndefined();
    await expect(sut.getStale(aSubject())).resolves.toEqual(verdict);
  });

  it('forgets the entry at the stale TTL', async () => {
    await sut.put(aSubject(), anAllowVerdict());

    clock.advanceSeconds(STALE_TTL_SECONDS);

    await expect(sut.getFresh(aSubject())).resolves.toBeUndefined();
    await expect(sut.getStale(aSubject())).resolves.toBeUndefined();
  });

  it.each([
    ['user', { username: 'bob' }],
    ['group', { groupname: 'contractors' }],
    ['client IP', { clientIp: '203.0.113.9' }],
  ])('keys decisions by %s too', async (_, other) => {
    await sut.put(aSubject(), anAllowVerdict());

    await expect(sut.getFresh(aSubject(other))).resolves.toBeUndefined();
    await expect(sut.getStale(aSubject(other))).resolves.toBeUndefined();
  });

  it('keeps a separate decision per group and client IP of the same user', async () => {
    await sut.put(aSubject(), anAllowVerdict());
    await sut.put(aSubject({ groupname: 'contractors' }), aDenyVerdict());

    await expect(sut.getFresh(aSubject())).resolves.toEqual(anAllowVerdict());
    await expect(sut.getFresh(aSubject({ groupname: 'contractors' }))).resolves.toEqual(aDenyVerdict());
  });

  describe('invalidateUser', () => {
    it("drops every decision about the user, whatever the group or client IP", async () => {
      const subjects = [aSubject(), aSubject({ groupname: 'contractors' }), aSubject({ clientIp: '203.0.113.9' })];
      for (const subject of subjects) await sut.put(subject, anAllowVerdict());

      sut.invalidateUser('alice');

      for (const subject of subjects) {
        await expect(sut.getFresh(subject)).resolves.toBeUndefined();
        await expect(sut.getStale(subject)).resolves.toBeUndefined();
      }
    });

    it("keeps another user's decisions", async () => {
      await sut.put(aSubject({ username: 'alice' }), anAllowVerdict());
      await sut.put(aSubject({ username: 'bob' }), anAllowVerdict());

      sut.invalidateUser('alice');

      await expect(sut.getFresh(aSubject({ username: 'bob' }))).resolves.toEqual(anAllowVerdict());
    });

    it('serves a decision stored after the invalidation in the same millisecond', async () => {
      await sut.put(aSubject(), aDenyVerdict());
      sut.invalidateUser('alice');

      await sut.put(aSubject(), anAllowVerdict());

      await expect(sut.getFresh(aSubject())).resolves.toEqual(anAllowVerdict());
    });

    it('still hides the old decisions after a new one is stored for another subject', async () => {
      await sut.put(aSubject(), anAllowVerdict());
      sut.invalidateUser('alice');

      await sut.put(aSubject({ groupname: 'contractors' }), anAllowVerdict());

      await expect(sut.getStale(aSubject())).resolves.toBeUndefined();
    });

    it('keeps out an answer to a question asked before the invalidation', async () => {
      const askedAt = sut.writePosition();
      sut.invalidateUser('alice');

      await sut.put(aSubject(), anAllowVerdict(), askedAt);

      await expect(sut.getStale(aSubject())).resolves.toBeUndefined();
    });

    it('stores an answer to a question asked after the invalidation', async () => {
      sut.invalidateUser('alice');
      const askedAt = sut.writePosition();

      await sut.put(aSubject(), anAllowVerdict(), askedAt);

      await expect(sut.getFresh(aSubject())).resolves.toEqual(anAllowVerdict());
    });

    it("stores an answer about a user asked before another user's invalidation", async () => {
      const askedAt = sut.writePosition();
      sut.invalidateUser('bob');

      await sut.put(aSubject(), anAllowVerdict(), askedAt);

      await expect(sut.getFresh(aSubject())).resolves.toEqual(anAllowVerdict());
    });

    it('still hides the old decisions until they would have expired anyway', async () => {
      await sut.put(aSubject(), anAllowVerdict());
      sut.invalidateUser('alice');

      clock.advanceSeconds(STALE_TTL_SECONDS - 1);
      sut.invalidateUser('bob');

      await expect(sut.getStale(aSubject())).resolves.toBeUndefined();
    });
  });

  it('stores nothing when the cache is disabled', async () => {
    sut = aCache({ enabled: false });

    await sut.put(aSubject(), anAllowVerdict());

    await expect(sut.getFresh(aSubject())).resolves.toBeUndefined();
    await expect(sut.getStale(aSubject())).resolves.toBeUndefined();
  });

  it('evicts the least recently used decision beyond max_entries', async () => {
    sut = aCache({ max_entries: 3 });
    const subjects = ['alice', 'bob', 'carol', 'dave'].map((username) => aSubject({ username }));

    for (const subject of subjects) await sut.put(subject, anAllowVerdict());

    await expect(sut.getStale(subjects[0])).resolves.toBeUndefined();
    for (const subject of subjects.slice(1)) await expect(sut.getFresh(subject)).resolves.toEqual(anAllowVerdict());
  });

  it('keeps a decision that was read recently when evicting', async () => {
    sut = aCache({ max_entries: 3 });
    const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((username) => aSubject({ username }));
    for (const subject of [alice, bob, carol]) await sut.put(subject, anAllowVerdict());
    await sut.getFresh(alice);

    await sut.put(dave, anAllowVerdict());

    await expect(sut.getStale(alice)).resolves.toEqual(anAllowVerdict());
    await expect(sut.getStale(bob)).resolves.toBeUndefined();
  });

  it('keys on the device too: a decision about one device does not answer for another', async () => {
    await sut.put(aSubject({ device: 'laptop-a' }), anAllowVerdict());

    await expect(sut.getFresh(aSubject({ device: 'laptop-b' }))).resolves.toBeUndefined();
    await expect(sut.getStale(aSubject({ device: 'laptop-b' }))).resolves.toBeUndefined();
    await expect(sut.getFresh(aSubject({ device: 'laptop-a' }))).resolves.toEqual(anAllowVerdict());
  });

  describe('byte budget (max_bytes)', () => {
    const bigVerdict = anAllowVerdict({ routes: Array.from({ length: 100 }, (_, i) => `10.${i}.0.0/16`) });
    const bytesOf = (subject: DecisionSubject) => decisionHeapBytes(decisionKey(subject), bigVerdict);

    it('counts the estimated heap bytes of what it holds', async () => {
      await sut.put(aSubject(), bigVerdict);

      expect(sut.size).toEqual({ entries: 1, bytes: bytesOf(aSubject()) });
    });

    it('evicts the least recently used decisions once their bytes pass max_bytes, before max_entries is reached', async () => {
      const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((username) => aSubject({ username }));
      sut = aCache({ max_entries: 100, max_bytes: bytesOf(alice) * 2 + 10 });

      for (const subject of [alice, bob, carol]) await sut.put(subject, bigVerdict);

      await expect(sut.getStale(alice)).resolves.toBeUndefined();
      await expect(sut.getFresh(bob)).resolves.toEqual(bigVerdict);
      await expect(sut.getFresh(carol)).resolves.toEqual(bigVerdict);
      expect(sut.size.bytes).toBeLessThanOrEqual(bytesOf(alice) * 2 + 10);
    });

    it('does not cache an answer larger than the whole budget, and keeps what it held', async () => {
      sut = aCache({ max_bytes: bytesOf(aSubject()) - 1 });
      await sut.put(aSubject({ username: 'bob' }), anAllowVerdict());

      await sut.put(aSubject(), bigVerdict);

      await expect(sut.getStale(aSubject())).resolves.toBeUndefined();
      await expect(sut.getFresh(aSubject({ username: 'bob' }))).resolves.toEqual(anAllowVerdict());
    });

    it('gives the bytes of a replaced or expired decision back', async () => {
      await sut.put(aSubject(), bigVerdict);
      await sut.put(aSubject(), anAllowVerdict());
      await sut.put(aSubject({ username: 'bob' }), bigVerdict);
      clock.advanceSeconds(STALE_TTL_SECONDS);

      await sut.getStale(aSubject({ username: 'bob' }));

      expect(sut.size).toEqual({ entries: 1, bytes: decisionHeapBytes(decisionKey(aSubject()), anAllowVerdict()) });
    });

    it('estimates the largest answer the portal may give at no less than its measured ~190 KB', () => {
      const largest = anAllowVerdict({
        routes: Array.from({ length: 1024 }, (_, i) => `2001:db8:${i.toString(16)}::/64`),
        metadata: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`.padEnd(1024, 'k'), 'v'.repeat(1024)])),
      });

      expect(decisionHeapBytes(decisionKey(aSubject()), largest)).toBeGreaterThan(190_000);
    });
  });
});
