import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestAgent, TEST_IDENTITIES, type TestAgent } from '../../support/test-agent';
import { buildHook, runHook, writeHookConfig } from './hook-runner';

/*
 * The hook against the real agent (its IPC transport, decoder and session store), not
 * a stand-in server: hostile client-chosen values arrive in the agent byte for byte.
 */

jest.setTimeout(30_000);

const HOSTILE_USER_AGENT = `Evil "agent" \\ with\nnewlines\r\tand\u0001control\u007f, é 中文 😀 ${'z'.repeat(1000)}`;
const HOSTILE_HOSTNAME = `host"name'\\ \n 🚀 ${'h'.repeat(900)}`;

describe('the hook talking to the real agent', () => {
  let dir: string;
  let agent: TestAgent;
  let hookConfig: string;

  beforeAll(async () => {
    buildHook();
    dir = mkdtempSync(join(tmpdir(), 'hook-agent-'));
    chmodSync(dir, 0o755);
    const socket = join(dir, 'hook.sock');
    hookConfig = writeHookConfig(dir, { socket, timeoutMs: 3000 });
    agent = await startTestAgent({ ipc: { enabled: true, socket_path: socket } });
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function baseEnv(reason: string, id: string): Record<string, string> {
    return { REASON: reason, USERNAME: 'mallory', GROUPNAME: 'staff', ID: id, IP_REAL: '203.0.113.9', IP_REMOTE: '192.168.99.9', DEVICE: 'vpns3' };
  }

  async function metadataOf(sessionId: string): Promise<Record<string, string> | undefined> {
    const reader = agent.clientAs(TEST_IDENTITIES.reader);
    const response = await reader.unary<{ sessions: { session_id: string; metadata: Record<string, string> }[] }>(
      reader.vpn,
      'GetActiveSessions',
      { username_filter: 'mallory' },
    );
    return response.sessions.find((session) => session.session_id === sessionId)?.metadata;
  }

  it('delivers quotes, backslashes, newlines, control characters and unicode exactly', async () => {
    const run = await runHook({ ...baseEnv('connect', '7001'), USER_AGENT: HOSTILE_USER_AGENT, REMOTE_HOSTNAME: HOSTILE_HOSTNAME }, { config: hookConfig });

    expect(run.code).toBe(0);
    const metadata = await metadataOf('7001');
    expect(metadata?.['user_agent']).toBe(HOSTILE_USER_AGENT);
    expect(metadata?.['hostname']).toBe(HOSTILE_HOSTNAME);
  });

  it('admits a client with a 4 KB user agent (kept, cut to the metadata limit) and records a later hostname', async () => {
    const fourKb = 'ü'.repeat(4096);
    const connect = await runHook({ ...baseEnv('connect', '7002'), USER_AGENT: fourKb }, { config: hookConfig });
    const update = await runHook({ ...baseEnv('host-update', '7002'), REMOTE_HOSTNAME: HOSTILE_HOSTNAME }, { config: hookConfig });

    expect(connect.code).toBe(0);
    expect(update.code).toBe(0);
    const metadata = await metadataOf('7002');
    expect(metadata?.['user_agent']).toBe('ü'.repeat(2048));
    expect(metadata?.['hostname']).toBe(HOSTILE_HOSTNAME);
  });

  it('removes the session on disconnect, and exits 0', async () => {
    await runHook(baseEnv('connect', '7003'), { config: hookConfig });
    const run = await runHook({ ...baseEnv('disconnect', '7003'), STATS_BYTES_IN: '10', STATS_BYTES_OUT: '20', STATS_DURATION: '3' }, { config: hookConfig });

    expect(run.code).toBe(0);
    expect(await metadataOf('7003')).toBeUndefined();
  });

  it('is refused with the reason when the agent refuses a value (a hostile username), and ocserv gets a non-zero exit', async () => {
    const run = await runHook({ ...baseEnv('connect', '7004'), USERNAME: 'mallory;reboot' }, { config: hookConfig });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/agent denied user mallory;reboot: .*env\.USERNAME must be/);
  });
});
