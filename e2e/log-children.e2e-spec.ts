import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogStreamRequest } from '../src/generated/agent/v1/agent';
import { TEST_IDENTITIES } from '../test/support/test-agent-config';
import { createTestPki, TestPki } from '../test/support/test-pki';
import { openUnreadStream, UnreadStream } from '../test/support/unread-grpc-stream';
import { AgentProcess } from './support/agent-process';
import { writeAgentConfig } from './support/config-file';

/*
 * The built agent as its own process following ocserv's log file for three
 * StreamLogs callers: each holds a `tail -F` child that never ends by itself.
 * Killed outright (SIGKILL: no shutdown hook runs), the agent must not leave
 * them running under init (issue 9, finding 6): setpriv gives each a
 * parent-death signal, as `occtl show events` has.
 */
const TAILS = 3;

function tailsOf(parentPid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === parentPid && stat.slice(stat.indexOf('(') + 1, close) === 'tail') found.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the agent process and its log-reader children', () => {
  let dir: string;
  let pki: TestPki;
  let agent: AgentProcess | undefined;
  let streams: UnreadStream[] = [];
  let tails: number[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-log-children-'));
    chmodSync(dir, 0o755);
    pki = createTestPki(dir);
  });

  afterAll(() => {
    streams.forEach((stream) => stream.cancel());
    tails.filter(alive).forEach((pid) => process.kill(pid, 'SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await agent?.stop();
  });

  it('leaves no tail -F behind when it is killed outright (SIGKILL)', async () => {
    const logFile = join(dir, 'ocserv.log');
    writeFileSync(logFile, 'Dec  2 06:00:00 vpn ocserv[1]: main: started\n');
    const config = writeAgentConfig(pki, 'log-children', {
      ocserv: { sync_sessions: false, events: false, log: { source: 'file', file: logFile } },
    });
    agent = new AgentProcess(['--config', config]);
    const { grpcPort } = await agent.started();
    const request = LogStreamRequest.encode({ log_source: 'ocserv', follow: true, start_time: undefined }).finish();
    streams = Array.from({ length: TAILS }, () =>
      openUnreadStream(grpcPort, pki, pki.client(TEST_IDENTITIES.reader), '/agent.v1.AgentService/StreamLogs', request),
    );
    const agentPid = agent.pid;
    tails = await until(() => {
      const found = tailsOf(agentPid);
      return found.length === TAILS ? found : undefined;
    }, 10_000, `${TAILS} tail children`);

    agent.signal('SIGKILL');
    await agent.exited;

    await until(() => (tails.some(alive) ? undefined : true), 3000, 'every tail exiting');
    expect(tails.filter(alive)).toEqual([]);
  });
});
