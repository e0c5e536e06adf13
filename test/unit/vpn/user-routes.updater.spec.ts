import { Logger } from '@nestjs/common';
import type { OcctlUser } from '../../../src/occtl/occtl-records';
import type { OcctlService } from '../../../src/occtl/occtl.service';
import type { ConfigDocument } from '../../../src/user-config/config-document';
import type { ConfigWriteOutcome, DocumentEdit, UserConfigService } from '../../../src/user-config/user-config.service';
import type { UserDisconnector } from '../../../src/vpn/user-disconnector.service';
import { UserRoutesUpdater, type UserRoutesOrder } from '../../../src/vpn/user-routes.updater';
import { SystemClock } from '../../../src/clock/clock';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { anOcctlUser } from '../builders/occtl-user.builder';

const RECONNECT_WAIT_MS = 600;

/** Records edits and answers as a written file would. */
class FakeConfigs {
  readonly edits: DocumentEdit[] = [];
  edit(_scope: string, _name: string, edit: DocumentEdit): Promise<ConfigWriteOutcome> {
    this.edits.push(edit);
    return Promise.resolve({ path: '/etc/ocserv/config-per-user/alice', backupPath: '', changed: true, validateOnly: false, change: 'route +10.0.0.0/8', rendered: '' });
  }
}

/** `show user` answers from a script: one list per call, the last one repeated. */
class ScriptedOcctl {
  calls = 0;
  constructor(private readonly answers: OcctlUser[][]) {}
  showUser(): Promise<OcctlUser[]> {
    const answer = this.answers[Math.min(this.calls, this.answers.length - 1)] ?? [];
    this.calls += 1;
    return Promise.resolve(answer);
  }
}

class RecordingDisconnector {
  readonly orders: unknown[] = [];
  disconnect(order: unknown): Promise<{ sessionsDisconnected: number; failures: string[] }> {
    this.orders.push(order);
    return Promise.resolve({ sessionsDisconnected: 1, failures: [] });
  }
}

describe(UserRoutesUpdater.name, () => {
  let configs: FakeConfigs;
  let disconnector: RecordingDisconnector;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    configs = new FakeConfigs();
    disconnector = new RecordingDisconnector();
  });

  function sutWith(occtl: ScriptedOcctl): UserRoutesUpdater {
    return new UserRoutesUpdater(
      configs as unknown as UserConfigService,
      disconnector as unknown as UserDisconnector,
      occtl as unknown as OcctlService,
      new SystemClock(),
      configServiceFor(anAgentConfig({ user_config: { reconnect_wait_ms: RECONNECT_WAIT_MS } })),
    );
  }

  const order = (reloadIfConnected: boolean): UserRoutesOrder => ({
    username: 'alice',
    changes: new Map([['route', ['10.0.0.0/8']]]),
    reloadIfConnected,
  });

  it('writes the file and leaves live sessions alone without reload_if_connected', async () => {
    const occtl = new ScriptedOcctl([[anOcctlUser()]]);

    const outcome = await sutWith(occtl).update(order(false));

    expect(outcome).toMatchObject({ path: '/etc/ocserv/config-per-user/alice', userReconnected: false, sessionsEnded: 0 });
    expect(configs.edits).toHaveLength(1);
    expect(disconnector.orders).toEqual([]);
    expect(occtl.calls).toBe(0);
  });

  it('applies the changes to the current document', async () => {
    await sutWith(new ScriptedOcctl([[]])).update(order(false));

    const edited = configs.edits[0]!({ options: new Map([['dns', ['1.1.1.1']]]), lines: [] } as ConfigDocument);
    expect([...edited.options]).toEqual([['dns', ['1.1.1.1']], ['route', ['10.0.0.0/8']]]);
  });

  it('ends the live sessions and reports true when a new session of the user appears', async () => {
    const occtl = new ScriptedOcctl([[anOcctlUser({ id: 10 })], [], [anOcctlUser({ id: 11 })]]);

    const outcome = await sutWith(occtl).update(order(true));

    expect(disconnector.orders).toEqual([{ username: 'alice', reason: 'per-user config updated', allSessions: true }]);
    expect(outcome).toMatchObject({ userReconnected: true, sessionsEnded: 1 });
  });

  it('reports false when nobody comes back within user_config.reconnect_wait_ms', async () => {
    const occtl = new ScriptedOcctl([[anOcctlUser({ id: 10 })], []]);
    const started = Date.now();

    const outcome = await sutWith(occtl).update(order(true));

    expect(outcome.userReconnected).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(RECONNECT_WAIT_MS - 20);
  });

  it('does not count the old session, or one not yet connected, as the user being back', async () => {
    const occtl = new ScriptedOcctl([[anOcctlUser({ id: 10 })], [anOcctlUser({ id: 10 }), anOcctlUser({ id: 12, state: 'pre-auth' })]]);

    const outcome = await sutWith(occtl).update(order(true));

    expect(outcome.userReconnected).toBe(false);
  });

  it('reports false at once and disconnects nobody when the user has no live session', async () => {
    const outcome = await sutWith(new ScriptedOcctl([[]])).update(order(true));

    expect(outcome).toMatchObject({ userReconnected: false, sessionsEnded: 0 });
    expect(disconnector.orders).toEqual([]);
  });
});
