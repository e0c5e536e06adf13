import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogStreamRequest } from '../src/generated/agent/v1/agent';
import { eventually } from '../test/integration/logs/log-stream.fixture';
import { childrenOf, listProcesses } from '../test/support/processes';
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

const tailsOf = (parentPid: number): number[] => childrenOf(parentPid).filter((info) => info.comm === 'tail').map((info) => info.pid);
const alive = (pid: number): boolean => listProcesses().some((info) => info.pid === pid);

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
    tails = await eventually(() => {
      const found = tailsOf(agentPid);
      return found.length === TAILS ? found : undefined;
    }, 10_000, `${TAILS} tail children`);

    agent.signal('SIGKILL');
    await agent.exited;

    await eventually(() => (tails.some(alive) ? undefined : true), 3000, 'every tail exiting');
    expect(tails.filter(alive)).toEqual([]);
  });
});
