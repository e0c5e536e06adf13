import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHook, HOOK_BINARY, writeHookConfig } from '../test/support/hook';
import { eventually } from '../test/support/ocserv-lab/lab-agent';
import { OcservLab, type LabUser, type VpnClient } from '../test/support/ocserv-lab/ocserv-lab';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../test/support/portal-sim';
import { lifecycleOf, uniquePortalEvents } from '../test/support/session-events-records';
import { createTestPki, type TestPki } from '../test/support/test-pki';
import { AgentProcess } from './support/agent-process';
import { writeAgentConfig } from './support/config-file';

/*
 * The agent as its own process, SIGKILLed in the middle of a burst of real openconnect
 * connects and disconnects, then started again on the same outbox. While it is down the hook
 * lets logins in (on_agent_unreachable = allow) and sessions end unseen. After the restart the
 * portal simulator, once duplicates (same event_id) are dropped, must hold exactly one connect
 * and one end for every session ocserv had, each connect before its end.
 */

jest.setTimeout(180_000);

const USERS: LabUser[] = Array.from({ length: 12 }, (_, index) => ({ username: `burst${index}`, password: `burst${index}-pw` }));

describe('session events across an agent SIGKILL (real ocserv, hook, agent process, portal simulator)', () => {
  let dir: string;
  let pki: TestPki;
  let portal: TestPortal;
  let lab: OcservLab;
  let socketPath: string;
  const agents: AgentProcess[] = [];

  const startAgent = async (name: string): Promise<AgentProcess> => {
    const config = writeAgentConfig(pki, name, {
      ocserv: {
        socket_file: lab.occtlSocket,
        sync_sessions: true,
        events: true,
        config_per_user_dir: lab.configPerUserDir,
        config_per_group_dir: lab.configPerGroupDir,
      },
      session: { reconcile_interval_seconds: 2 },
      authorization: { mode: 'portal', fail_mode: 'open', decision_timeout_ms: 1000 },
      portal: { address: portal.simulator.address, tls: agentPortalTls(pki), call_timeout_ms: 800, reconnect_backoff_initial_ms: 100, reconnect_backoff_max_ms: 500 },
      ipc: { enabled: true, socket_path: socketPath },
      events: { enabled: true, outbox_path: join(dir, 'events.db'), disconnect_settle_ms: 300, retry_initial_ms: 100, retry_max_ms: 500 },
    });
    const agent = new AgentProcess(['--config', config]);
    agents.push(agent);
    await agent.started();
    return agent;
  };

  beforeAll(async () => {
    buildHook();
    dir = mkdtempSync(join(tmpdir(), 'events-crash-'));
    chmodSync(dir, 0o755);
    pki = createTestPki(dir);
    socketPath = join(dir, 'hook.sock');
    const hookConfig = writeHookConfig(dir, { socket: socketPath, timeoutMs: 3000, onAgentUnreachable: 'allow' });
    portal = await startPortalSimulator(testPolicy('default: { allow: true }\n'), { pki });
    lab = await OcservLab.start({ users: USERS, connectScript: HOOK_BINARY, disconnectScript: HOOK_BINARY, env: { OCSERV_AGENT_HOOK_CONFIG: hookConfig } });
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await lab?.stop();
    await portal?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('ends with one connect and one end per session, the ones that happened while the agent was down included', async () => {
    const first = await startAgent('before-kill');
    const clients = new Map<string, VpnClient>();
    const connect = async (user: LabUser) => {
      try {
        clients.set(user.username, await lab.connect(user));
      } catch {
        // A login whose hook request died with the agent may be refused: then there is no session to report.
      }
    };
    const disconnect = async (username: string) => {
      await clients.get(username)?.stop();
    };

    // A burst: six connect, three of them leave again, and the agent dies in the middle of it.
    await Promise.all(USERS.slice(0, 4).map(connect));
    const burst = Promise.all([...USERS.slice(4, 6).map(connect), disconnect('burst0'), disconnect('burst1')]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    first.signal('SIGKILL');
    await first.exited;
    await burst;

    // While the agent is down: logins through the hook's fallback, and ends nobody sees.
    await Promise.all(USERS.slice(6, 9).map(connect));
    await disconnect('burst2');

    const second = await startAgent('after-kill');
    // The restarted agent's first reconciliation reports what it missed; then the rest leave.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await Promise.all([...clients.keys()].map(disconnect));

    const sessionsOcservHad = clients.size;
    const ends = () => uniquePortalEvents(portal.simulator).filter((event) => event.method === 'ReportDisconnect');
    await eventually(ends, (found) => found.length >= sessionsOcservHad, 30_000);

    const unique = uniquePortalEvents(portal.simulator);
    for (const username of clients.keys()) {
      const lifecycle = lifecycleOf(unique, username);
      expect({ username, methods: lifecycle.map((event) => event.method) }).toEqual({ username, methods: ['ReportConnect', 'ReportDisconnect'] });
      expect(lifecycle[0]?.sessionId).toBe(lifecycle[1]?.sessionId);
    }
    // The end nobody saw and the logins nobody decided came from the restarted agent's recovery.
    const endOf = (username: string) => lifecycleOf(unique, username).find((event) => event.method === 'ReportDisconnect');
    expect(endOf('burst2')).toMatchObject({ reason: 'DISCONNECT_REASON_UNSPECIFIED' });
    expect(endOf('burst2')?.metadata['reason_source']).toBe('ended-while-agent-down');
    for (const username of ['burst6', 'burst7', 'burst8'].filter((name) => clients.has(name))) {
      expect(lifecycleOf(unique, username)[0]?.metadata['reported_by']).toBe('reconcile');
    }
    // Nobody who never had a session was reported.
    const reported = new Set(unique.map((event) => event.username));
    expect([...reported].sort()).toEqual([...clients.keys()].sort());
    // Duplicates, if any, repeat an event_id the portal already has.
    const all = portal.simulator.events.filter((record) => record.method !== 'ReportSessionUpdate');
    expect(all.length).toBeGreaterThanOrEqual(unique.filter((event) => event.method !== 'ReportSessionUpdate').length);
    await second.stop();
  });
});
