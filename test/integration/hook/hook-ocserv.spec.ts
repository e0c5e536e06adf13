import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../support/ocserv-lab/lab-agent';
import { OcservLab, VpnClient } from '../../support/ocserv-lab/ocserv-lab';
import { ocservRuntime } from '../../support/ocserv-lab/ocserv-runtime';
import { defaultLabVersion } from '../../support/ocserv-lab/ocserv-versions';
import { VpnClientRefused } from '../../support/ocserv-lab/vpn-client';
import { FakeAgent, HookRequest } from './fake-agent';
import { HOOK_BINARY, buildHook, writeHookConfig } from './hook-runner';

/*
 * The compiled hook as a real ocserv's connect-, disconnect- and
 * host-update-script, real openconnect clients, and a test agent on the hook
 * socket that lets alice in and keeps bob out. ocserv passes its own environment
 * to scripts, which is how OCSERV_AGENT_HOOK_CONFIG reaches the hook. Under
 * chroot (OCSERV_LAB_VERSION=1.3.0 / 1.5.0) the socket and hook.conf are in the
 * rootfs, named to the hook by their paths inside.
 */
const ALICE = { username: 'alice', password: 'alice-pw' };
const BOB = { username: 'bob', password: 'bob-pw' };
const HOOK_TIMEOUT_MS = 5000;
/** In ocserv's environment, so in the hook's too: it must never reach the agent. */
const LAB_SECRET = 'lab-secret-9f2c';

interface OcctlJsonUser {
  ID: number;
  Username: string;
}

jest.setTimeout(60_000);

describe('ocserv-agent-hook under a real ocserv', () => {
  let dir: string;
  let agent: FakeAgent;
  let lab: OcservLab;
  let alice: VpnClient | undefined;

  const decide = (request: HookRequest) => {
    if (request.op !== 'connect') return '{"ok":true}\n';
    return request.env.USERNAME === ALICE.username
      ? '{"allowed":true,"source":"test"}\n'
      : '{"allowed":false,"source":"test","reason":"not alice"}\n';
  };
  const requestsFor = (op: string, username: string) => agent.requests.filter((r) => r.op === op && r.env.USERNAME === username);
  const occtlUsers = (): OcctlJsonUser[] => JSON.parse(lab.occtl(['-j', 'show', 'users']).stdout) as OcctlJsonUser[];

  beforeAll(async () => {
    buildHook();
    const runtime = ocservRuntime(defaultLabVersion());
    // ocserv (root) runs the hook, which must reach the socket and hook.conf here.
    dir = mkdtempSync(join(runtime.labParentDir, 'ocserv-lab-hook-'));
    chmodSync(dir, 0o755);
    const socket = join(dir, 'agent.sock');
    agent = await FakeAgent.start(socket, decide);
    const hookConfig = writeHookConfig(dir, { socket: runtime.insidePath(socket), timeoutMs: HOOK_TIMEOUT_MS });
    lab = await OcservLab.start({
      users: [ALICE, BOB],
      connectScript: HOOK_BINARY,
      disconnectScript: HOOK_BINARY,
      hostUpdateScript: HOOK_BINARY,
      env: { OCSERV_AGENT_HOOK_CONFIG: runtime.insidePath(hookConfig), SECRET_TOKEN: LAB_SECRET },
    });
  });

  afterAll(async () => {
    await lab?.stop();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets alice in when the agent allows her, after sending ocserv\'s connect variables', async () => {
    alice = await lab.connect(ALICE);

    expect(alice.vpnIp).toMatch(/^192\.168\.99\.\d+$/);
    const [request] = requestsFor('connect', 'alice');
    expect(request).toMatchObject({
      op: 'connect',
      budget_ms: HOOK_TIMEOUT_MS,
      env: { REASON: 'connect', USERNAME: 'alice', IP_REAL: '127.0.0.1', IP_REAL_LOCAL: '127.0.0.1', IP_REMOTE: alice.vpnIp, IP_LOCAL: '192.168.99.1' },
    });
    expect(request.env.ID).toMatch(/^\d+$/);
    expect(request.env.DEVICE).toMatch(/^vpns\d+$/);
    expect(request.env.USER_AGENT).toMatch(/AnyConnect|OpenConnect/i);
    expect(Object.keys(request.env)).not.toContain('PATH');
    expect(Object.keys(request.env)).not.toContain('OCSERV_AGENT_HOOK_CONFIG');
    expect(agent.rawLines.join('\n')).not.toContain(LAB_SECRET);
    expect(occtlUsers()).toEqual([expect.objectContaining({ ID: Number(request.env.ID), Username: 'alice' })]);
  });

  it('refuses bob when the agent denies him, and ocserv keeps no session for him', async () => {
    const refused = await lab.connect(BOB, { timeoutMs: 20_000 }).then(
      (client) => client,
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(VpnClientRefused);
    expect(requestsFor('connect', 'bob').length).toBeGreaterThanOrEqual(1);
    expect(occtlUsers().map((user) => user.Username)).not.toContain('bob');
    expect(lab.readLog()).toMatch(/agent denied user bob: not alice/);
  });

  it('reports alice\'s disconnect with her session id and traffic stats', async () => {
    const id = requestsFor('connect', 'alice')[0]?.env.ID;

    await alice?.stop();
    const [request] = await eventually(() => requestsFor('disconnect', 'alice'), (found) => found.length > 0);

    expect(request).toMatchObject({ op: 'disconnect', env: { REASON: 'disconnect', USERNAME: 'alice', ID: id, IP_REAL: '127.0.0.1' } });
    expect(request.env.STATS_BYTES_IN).toMatch(/^\d+$/);
    expect(request.env.STATS_BYTES_OUT).toMatch(/^\d+$/);
    expect(request.env.STATS_DURATION).toMatch(/^\d+$/);
    expect(await eventually(occtlUsers, (users) => users.length === 0)).toEqual([]);
  });
});
