import * as grpc from '@grpc/grpc-js';
import type { LogEntry } from '../../../src/generated/agent/v1/agent';
import { LogProcessRunner } from '../../../src/logs/log-process.runner';
import { AgentClients } from '../../support/agent-clients';
import { eventually, startLabAgent } from '../../support/ocserv-lab/lab-agent';
import { OcservLab } from '../../support/ocserv-lab/ocserv-lab';
import { TEST_IDENTITIES, TestAgent } from '../../support/test-agent';

jest.setTimeout(30_000);

/*
 * StreamLogs over gRPC: the agent's own log (ring buffer, then live) and
 * ocserv's log from the lab's log file (ocserv runs in the foreground with
 * stderr there), with real tail children that must be gone after a cancel.
 */
const CAROL = { username: 'carol', password: 'carol-pw' };

interface OpenStream {
  readonly entries: LogEntry[];
  readonly call: grpc.ClientReadableStream<LogEntry>;
}

describe('AgentService.StreamLogs', () => {
  let lab: OcservLab;
  let agent: TestAgent;
  let reader: AgentClients;

  const open = (request: object): OpenStream => {
    const fn = (reader.agent as unknown as Record<string, (r: object) => grpc.ClientReadableStream<LogEntry>>).StreamLogs;
    const call = fn?.call(reader.agent, request) as grpc.ClientReadableStream<LogEntry>;
    const entries: LogEntry[] = [];
    call.on('data', (entry: LogEntry) => entries.push(entry));
    call.on('error', () => undefined);
    return { entries, call };
  };
  const pidGone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };

  beforeAll(async () => {
    lab = await OcservLab.start({ users: [CAROL] });
    agent = await startLabAgent(lab);
    reader = agent.clientAs(TEST_IDENTITIES.reader);
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
  });

  it('agent source: the backlog, then a new line within 1 s with follow', async () => {
    const stream = open({ log_source: 'agent', follow: true });
    const started = await eventually(
      () => stream.entries.find((entry) => entry.message === 'agent started'),
      (entry) => entry !== undefined,
    );
    expect(started?.fields.grpc_listen).toMatch(/^127\.0\.0\.1:\d+$/);
    const before = stream.entries.length;
    const sentAt = Date.now();
    await reader.unary(reader.vpn, 'GetActiveSessions', {});
    const live = await eventually(
      () => stream.entries.slice(before).find((entry) => entry.message === 'rpc' && entry.fields.method?.endsWith('/GetActiveSessions')),
      (entry) => entry !== undefined,
      1000,
    );
    expect(live).toBeDefined();
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(live?.source).toBe('agent');
    expect(live?.level).toBe('info');
    stream.call.cancel();
  });

  it('agent source: start_time leaves out older lines', async () => {
    const startSeconds = Math.floor(Date.now() / 1000) + 1;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await reader.unary(reader.vpn, 'GetActiveSessions', {});
    const entries = await reader.serverStream<LogEntry>(reader.agent, 'StreamLogs', {
      log_source: 'agent',
      start_time: { seconds: startSeconds, nanos: 0 },
    });
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((entry) => (entry.timestamp?.seconds ?? 0) >= startSeconds)).toBe(true);
    expect(entries.some((entry) => entry.message === 'agent started')).toBe(false);
  });

  it('ocserv source: ocserv log lines, live, and no child left after a cancel', async () => {
    const runner = agent.agent.app.get(LogProcessRunner);
    const stream = open({ log_source: 'ocserv', follow: true });
    const backlog = await eventually(
      () => stream.entries.find((entry) => entry.message.includes('sec-mod')),
      (entry) => entry !== undefined,
    );
    expect(backlog?.source).toBe('ocserv');
    const [pid] = runner.activePids();
    expect(pid).toBeDefined();

    const client = await lab.connect(CAROL);
    const line = await eventually(
      () => stream.entries.find((entry) => entry.message.includes("initiating session for user 'carol'")),
      (entry) => entry !== undefined,
    );
    expect(line?.source).toBe('ocserv');
    await client.stop();

    stream.call.cancel();
    await eventually(() => runner.activePids(), (pids) => pids.length === 0, 5000);
    expect(runner.activePids()).toEqual([]);
    expect(pidGone(pid ?? 0)).toBe(true);
  });

  it('refuses an unknown source with INVALID_ARGUMENT', async () => {
    const error = await reader.serverStream(reader.agent, 'StreamLogs', { log_source: '../../etc/passwd' }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
