import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { SessionStore } from '../../../src/session/session-store.service';
import { metadataHeapBytes } from '../../../src/session/session-metadata.budget';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { agentErrorFrom } from '../builders/caught-error';
import { FakeClock } from '../builders/fake-clock';
import { aNewVpnSession } from '../builders/vpn-session.builder';

const TTL_SECONDS = 60;
/** One entry `k: x...x` of this many characters costs 129 + n bytes (session-metadata.budget.ts). */
const ONE_ENTRY_FIXED_BYTES = 129;
const PER_SESSION_BYTES = 1000;
const TOTAL_BYTES = 2500;

function metadataOf(bytes: number): Record<string, string> {
  return { k: 'x'.repeat(bytes - ONE_ENTRY_FIXED_BYTES) };
}

describe(SessionStore.name, () => {
  let clock: FakeClock;
  let sut: SessionStore;

  beforeEach(() => {
    clock = new FakeClock();
    const session = { ttl_seconds: TTL_SECONDS, max_metadata_bytes: PER_SESSION_BYTES, max_total_metadata_bytes: TOTAL_BYTES };
    sut = new SessionStore(clock, configServiceFor(anAgentConfig({ session })));
  });

  describe('metadata byte budget', () => {
    it('counts an entry as its two strings plus the slot', () => {
      expect(metadataHeapBytes(metadataOf(500))).toBe(500);
    });

    it('counts two bytes per character when any character is beyond Latin-1', () => {
      expect(metadataHeapBytes({ k: `${'x'.repeat(99)}\u4e2d` })).toBe(ONE_ENTRY_FIXED_BYTES + 200);
    });

    it('stores a session whose metadata is exactly at the per-session budget', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(PER_SESSION_BYTES) }));

      expect(sut.metadataBytes).toBe(PER_SESSION_BYTES);
    });

    it('refuses metadata over the per-session budget with INVALID_ARGUMENT, naming the key, and stores nothing', () => {
      const error = agentErrorFrom(() => sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(PER_SESSION_BYTES + 1) })));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toContain('session.max_metadata_bytes');
      expect(sut.count()).toBe(0);
      expect(sut.metadataBytes).toBe(0);
    });

    it('refuses a session past the total budget with RESOURCE_EXHAUSTED and leaves the store as it was', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', username: 'alice', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', username: 'bob', metadata: metadataOf(1000) }));

      const error = agentErrorFrom(() => sut.add(aNewVpnSession({ sessionId: 's3', username: 'carol', metadata: metadataOf(501) })));

      expect(error.code).toBe(AgentErrorCode.ResourceExhausted);
      expect(error.message).toContain('session.max_total_metadata_bytes');
      expect(sut.list().map((s) => s.sessionId)).toEqual(['s1', 's2']);
      expect(sut.listByUsername('carol')).toEqual([]);
      expect(sut.metadataBytes).toBe(2000);
    });

    it('refuses an update that would pass the total budget and keeps the old metadata', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's3', metadata: metadataOf(300) }));

      const error = agentErrorFrom(() => sut.update('s3', { metadata: metadataOf(600) }));

      expect(error.code).toBe(AgentErrorCode.ResourceExhausted);
      expect(sut.get('s3')?.metadata).toEqual(metadataOf(300));
      expect(sut.metadataBytes).toBe(2300);
    });

    it('counts what a session holds as free when its metadata is replaced', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', metadata: metadataOf(1000) }));

      // 500 bytes are left in total: the new 1,000 fit only because s2's old 1,000 go.
      sut.upsert(aNewVpnSession({ sessionId: 's2', metadata: { other: 'y'.repeat(1000 - ONE_ENTRY_FIXED_BYTES - 4) } }));

      expect(sut.metadataBytes).toBe(2000);
    });

    it('gives the bytes back when a session is removed', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', metadata: metadataOf(1000) }));
      sut.remove('s1');

      sut.add(aNewVpnSession({ sessionId: 's3', metadata: metadataOf(1000) }));

      expect(sut.metadataBytes).toBe(2000);
    });

    it('purges expired sessions before refusing for the total budget', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', metadata: metadataOf(1000) }));
      clock.advanceSeconds(TTL_SECONDS);

      sut.add(aNewVpnSession({ sessionId: 's3', metadata: metadataOf(1000) }));

      expect(sut.list().map((s) => s.sessionId)).toEqual(['s3']);
      expect(sut.metadataBytes).toBe(1000);
    });

    it('assertRoomForMetadata throws what the write would, without storing', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', metadata: metadataOf(1000) }));

      expect(agentErrorFrom(() => sut.assertRoomForMetadata('s3', metadataOf(501))).code).toBe(AgentErrorCode.ResourceExhausted);
      expect(agentErrorFrom(() => sut.assertRoomForMetadata('s3', metadataOf(1001))).code).toBe(AgentErrorCode.InvalidArgument);
      expect(() => sut.assertRoomForMetadata('s2', metadataOf(1000))).not.toThrow();
      expect(sut.count()).toBe(2);
    });

    it('fitMetadata cuts informational metadata to the per-session budget', () => {
      const fitted = sut.fitMetadata('s1', { a: 'x'.repeat(400), b: 'y'.repeat(2000) });

      expect(metadataHeapBytes(fitted)).toBe(PER_SESSION_BYTES);
      expect(fitted['a']).toBe('x'.repeat(400));
      expect(fitted['b']).toBe('y'.repeat(PER_SESSION_BYTES - 2 * ONE_ENTRY_FIXED_BYTES - 400));
      expect(() => sut.add(aNewVpnSession({ sessionId: 's1', metadata: fitted }))).not.toThrow();
    });

    it('fitMetadata cuts to what is left of the total budget', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', metadata: metadataOf(1000) }));

      const fitted = sut.fitMetadata('s3', { a: 'x'.repeat(900) });

      expect(metadataHeapBytes(fitted)).toBe(500);
    });

    it('fitMetadata drops an entry when not even its key fits', () => {
      sut.add(aNewVpnSession({ sessionId: 's1', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's2', metadata: metadataOf(1000) }));
      sut.add(aNewVpnSession({ sessionId: 's3', metadata: metadataOf(450) }));

      expect(sut.fitMetadata('s4', { user_agent: 'x'.repeat(100) })).toEqual({});
    });

    it('fitMetadata keeps a two-byte value within the budget and its surrogate pairs whole', () => {
      const fitted = sut.fitMetadata('s1', { k: '\u{1F600}'.repeat(1000) });

      expect(metadataHeapBytes(fitted)).toBeLessThanOrEqual(PER_SESSION_BYTES);
      const value = fitted['k'] ?? '';
      expect(value.length).toBeGreaterThan(0);
      expect(value).toBe('\u{1F600}'.repeat(value.length / 2));
    });
  });
});
