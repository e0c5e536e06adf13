import { Logger } from '@nestjs/common';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import type { OcctlUser } from '../../../src/occtl/occtl-records';
import type { OcctlActionResult, OcctlService } from '../../../src/occtl/occtl.service';
import type { DecisionCache } from '../../../src/resilience/decision-cache';
import type { OcservSessionSync } from '../../../src/session/ocserv-session-sync.service';
import { SessionLifecycle, type SessionEndIntent, type SessionLifecycleListener } from '../../../src/session/session-lifecycle';
import type { SessionEndOrder } from '../../../src/session/session-terminator';
import { UserDisconnector } from '../../../src/vpn/user-disconnector.service';
import { agentErrorFromAsync } from '../builders/caught-error';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { anOcctlUser } from '../builders/occtl-user.builder';

/** What happened, in order, across the disconnector's collaborators. */
type Journal = string[];

/** occtl over a list of live sessions: `show user`, `show id`, `disconnect id` (refused for the ids in `refusing`). */
class FakeOcctl {
  users: OcctlUser[] = [];
  readonly refusing = new Set<number>();

  constructor(private readonly journal: Journal) {}

  showUser(username: string): Promise<OcctlUser[]> {
    this.journal.push(`show user ${username}`);
    return Promise.resolve(this.users.filter((user) => user.username === username));
  }

  showId(id: number): Promise<OcctlUser | undefined> {
    this.journal.push(`show id ${id}`);
    return Promise.resolve(this.users.find((user) => user.id === id));
  }

  disconnectId(id: number): Promise<OcctlActionResult> {
    this.journal.push(`disconnect id ${id}`);
    const ok = !this.refusing.has(id);
    return Promise.resolve({ ok, exitCode: ok ? 0 : 1, message: ok ? `connection ID '${id}' was disconnected` : 'could not disconnect' });
  }
}

/** The lifecycle's listener, keeping the intents announced. */
class RecordingListener implements SessionLifecycleListener {
  readonly intents: SessionEndIntent[] = [];

  constructor(private readonly journal: Journal) {}

  ending(intent: SessionEndIntent): void {
    this.journal.push(`ending ${intent.sessionId} ${intent.reason}`);
    this.intents.push(intent);
  }

  started(): void {}
  ended(): void {}
  ocservGone(): void {}
  synced(): void {}
}

const alice = anOcctlUser({ id: 24356, username: 'alice' });
const anOrder = (overrides: Partial<SessionEndOrder> = {}): SessionEndOrder => ({
  sessionId: '24356',
  username: 'alice',
  reason: 'POLICY_VIOLATION',
  detail: 'portal ValidateSession: account revoked',
  ...overrides,
});

describe(UserDisconnector.name, () => {
  let journal: Journal;
  let occtl: FakeOcctl;
  let listener: RecordingListener;
  let sut: UserDisconnector;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    journal = [];
    occtl = new FakeOcctl(journal);
    occtl.users = [alice];
    listener = new RecordingListener(journal);
    const lifecycle = new SessionLifecycle();
    lifecycle.listen(listener);
    const decisions = { invalidateUser: (username: string) => journal.push(`invalidate ${username}`) };
    const sync = { forget: (sessionId: string) => journal.push(`forget ${sessionId}`) };
    sut = new UserDisconnector(
      occtl as unknown as OcctlService,
      sync as unknown as OcservSessionSync,
      decisions as unknown as DecisionCache,
      lifecycle,
    );
  });

  afterEach(() => jest.restoreAllMocks());

  describe('end', () => {
    it("drops the user's decisions, announces the intent, then disconnects and forgets the session", async () => {
      await expect(sut.end(anOrder())).resolves.toBe(true);

      expect(journal).toEqual(['invalidate alice', 'show id 24356', 'ending 24356 POLICY_VIOLATION', 'disconnect id 24356', 'forget 24356']);
    });

    it("announces the order's reason and detail", async () => {
      await sut.end(anOrder({ reason: 'ADMIN_FORCED', detail: 'operator asked' }));

      expect(listener.intents).toEqual([{ sessionId: '24356', username: 'alice', reason: 'ADMIN_FORCED', detail: 'operator asked' }]);
    });

    it('cuts a long detail to 256 characters', async () => {
      await sut.end(anOrder({ detail: 'x'.repeat(300) }));

      expect(listener.intents[0]?.detail).toBe(`${'x'.repeat(256)}…`);
    });

    it.each(['sess-alice-1', '', '-1', '1e3', '12345678901'])('answers false for the id %j, which no ocserv worker has, asking occtl nothing', async (sessionId) => {
      await expect(sut.end(anOrder({ sessionId }))).resolves.toBe(false);

      expect(journal).toEqual(['invalidate alice']);
    });

    it('answers false for a session ocserv no longer has, announcing nothing', async () => {
      occtl.users = [];

      await expect(sut.end(anOrder())).resolves.toBe(false);

      expect(journal).toEqual(['invalidate alice', 'show id 24356']);
    });

    it('answers false for a session that belongs to someone else now, announcing nothing', async () => {
      occtl.users = [anOcctlUser({ id: 24356, username: 'bob' })];

      await expect(sut.end(anOrder())).resolves.toBe(false);

      expect(journal).toEqual(['invalidate alice', 'show id 24356']);
    });

    it('answers false and logs when occtl refuses, keeping the session', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      occtl.refusing.add(24356);

      await expect(sut.end(anOrder())).resolves.toBe(false);

      expect(journal).not.toContain('forget 24356');
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ msg: 'session not ended', session: '24356', user: 'alice', error: 'could not disconnect' }));
    });
  });

  describe('disconnect', () => {
    const older = anOcctlUser({ id: 100, username: 'alice', connectedAtMs: FAKE_CLOCK_START_MS - 120_000 });
    const newer = anOcctlUser({ id: 200, username: 'alice', connectedAtMs: FAKE_CLOCK_START_MS - 60_000 });

    beforeEach(() => {
      occtl.users = [older, newer, anOcctlUser({ id: 300, username: 'bob' })];
    });

    it('announces ADMIN_FORCED for every session of the user before disconnecting any', async () => {
      const outcome = await sut.disconnect({ username: 'alice', reason: 'maintenance', allSessions: true });

      expect(outcome).toEqual({ sessionsDisconnected: 2, failures: [] });
      expect(journal).toEqual([
        'invalidate alice',
        'show user alice',
        'ending 100 ADMIN_FORCED',
        'ending 200 ADMIN_FORCED',
        'disconnect id 100',
        'disconnect id 200',
        'forget 100',
        'forget 200',
      ]);
      expect(listener.intents.map((intent) => intent.detail)).toEqual(['DisconnectUser: maintenance', 'DisconnectUser: maintenance']);
    });

    it('ends only the newest session without disconnect_all_sessions', async () => {
      await sut.disconnect({ username: 'alice', reason: 'maintenance', allSessions: false });

      expect(journal.filter((entry) => !entry.startsWith('show') && !entry.startsWith('invalidate'))).toEqual([
        'ending 200 ADMIN_FORCED',
        'disconnect id 200',
        'forget 200',
      ]);
    });

    it('reports a session occtl refused as a failure and keeps it', async () => {
      occtl.refusing.add(100);

      const outcome = await sut.disconnect({ username: 'alice', reason: 'maintenance', allSessions: true });

      expect(outcome).toEqual({ sessionsDisconnected: 1, failures: ['session 100: could not disconnect'] });
      expect(journal).not.toContain('forget 100');
    });

    it('refuses with NOT_FOUND for a user without sessions, announcing nothing', async () => {
      const error = await agentErrorFromAsync(sut.disconnect({ username: 'carol', reason: 'maintenance', allSessions: true }));

      expect(error.code).toBe(AgentErrorCode.NotFound);
      expect(listener.intents).toEqual([]);
    });
  });
});
