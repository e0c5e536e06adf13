import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogEntry, LogStreamRequest } from '../../../src/generated/agent/v1/agent';
import { AgentLogRing, DEFAULT_AGENT_LOG_RING_MAX_BYTES } from '../../../src/logs/agent-log-ring';
import { LogProcessRunner } from '../../../src/logs/log-process.runner';
import { LogStreamService } from '../../../src/logs/log-stream.service';
import { AgentClients } from '../../support/agent-clients';
import { retainedHeapBytes } from '../../support/heap';
import { openUnreadStream } from '../../support/unread-grpc-stream';
import { startTestAgent, TEST_IDENTITIES, TestAgent } from '../../support/test-agent';
import { anAgentLogLine } from '../../unit/logs/log-fakes';
import { eventually } from './log-stream.fixture';

jest.setTimeout(60_000);

/*
 * StreamLogs over real gRPC/mTLS against readers that stop reading (issue 9,
 * finding 1): Nest's writer queued every entry for them without bound, so one
 * reader identity could take the agent's heap. The source is now paced by the
 * call's flow control, streams are capped per source, and a client that cancels
 * with entries unsent is logged CANCELLED (finding 12).
 */
const MAX_STREAMS = 3;
const STREAM_LOGS_PATH = '/agent.v1.AgentService/StreamLogs';
const FILE_LINES = 150_000;
const LINE_TEXT = 'x'.repeat(300);

interface OpenStream {
  readonly entries: LogEntry[];
  readonly call: grpc.ClientReadableStream<LogEntry>;
  readonly error: Promise<grpc.ServiceError | undefined>;
}

describe('StreamLogs flow control (gRPC over mTLS)', () => {
  let dir: string;
  let logFile: string;
  let agent: TestAgent;
  let reader: AgentClients;

  /** A stream whose client stops reading at once when `paused` (its HTTP/2 window then fills). */
  const open = (request: object, paused: boolean): OpenStream => {
    const fn = (reader.agent as unknown as Record<string, (r: object) => grpc.ClientReadableStream<LogEntry>>).StreamLogs;
    const call = fn?.call(reader.agent, request) as grpc.ClientReadableStream<LogEntry>;
    const entries: LogEntry[] = [];
    const error = new Promise<grpc.ServiceError | undefined>((resolve) => {
      call.on('error', (e: grpc.ServiceError) => resolve(e));
      call.on('end', () => resolve(undefined));
    });
    if (paused) {
      call.pause();
    } else {
      call.on('data', (entry: LogEntry) => entries.push(entry));
    }
    return { entries, call, error };
  };
  const unread = (request: Uint8Array) =>
    openUnreadStream(agent.agent.grpcPort, agent.pki, agent.pki.client(TEST_IDENTITIES.reader), STREAM_LOGS_PATH, request);
  const service = () => agent.agent.app.get(LogStreamService);
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-flow-'));
    logFile = join(dir, 'ocserv.log');
    // ~50 MB: read into memory as entries, it would cost several times that.
    const line = `Dec  2 06:00:00 vpn ocserv[1]: main: ${LINE_TEXT}\n`;
    writeFileSync(logFile, line.repeat(FILE_LINES));
    agent = await startTestAgent({
      log: { level: 'info', max_streams_per_source: MAX_STREAMS },
      ocserv: { sync_sessions: false, events: false, log: { source: 'file', file: logFile } },
    });
    reader = agent.clientAs(TEST_IDENTITIES.reader);
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds a bounded amount of memory for readers of a 50 MB ocserv log that never read, and frees their tail on cancel', async () => {
    const heapBefore = retainedHeapBytes();
    const request = LogStreamRequest.encode({ log_source: 'ocserv', follow: false, start_time: undefined }).finish();
    const streams = [unread(request), unread(request)];
    const runner = agent.agent.app.get(LogProcessRunner);
    await eventually(() => (runner.activePids().length === 2 ? true : undefined), 5000, 'two tail children');
    await settle(1500);
    const heapGrowth = retainedHeapBytes() - heapBefore;

    // Unpaced, each stream turned the whole file into entries (> 100 MB each).
    expect(heapGrowth).toBeLessThan(24 * 1024 * 1024);
    expect(runner.activePids()).toHaveLength(2);
    streams.forEach((stream) => stream.cancel());
    await eventually(() => (runner.activePids().length === 0 ? true : undefined), 5000, 'the tails stopping');
    expect(service().openStreams('ocserv')).toBe(0);
  });

  it('delivers the whole file, in order, to a reader that reads slowly', async () => {
    const stream = open({ log_source: 'ocserv' }, true);
    // Read in bursts with pauses, so the source is paused and resumed many times.
    const pacer = setInterval(() => {
      stream.call.resume();
      setTimeout(() => stream.call.pause(), 30);
    }, 40);
    stream.call.on('data', (entry: LogEntry) => stream.entries.push(entry));
    const error = await stream.error;
    clearInterval(pacer);

    expect(error).toBeUndefined();
    expect(stream.entries).toHaveLength(FILE_LINES);
    expect(stream.entries.every((entry) => entry.message.endsWith(LINE_TEXT))).toBe(true);
  });

  it('keeps a never-reading agent follow stream to a cursor while the agent logs 40 MB, then ends it RESOURCE_EXHAUSTED', async () => {
    const ring = agent.agent.app.get(AgentLogRing);
    const heapBefore = retainedHeapBytes();
    const stream = open({ log_source: 'agent', follow: true }, true);
    await eventually(() => (service().openStreams('agent') === 1 ? true : undefined), 5000, 'the stream opening');
    const big = 'y'.repeat(4000);
    for (let i = 0; i < 10_000; i += 1) ring.append(anAgentLogLine({ msg: `flood ${i}`, pad: big }));
    await settle(500);
    const heapGrowth = retainedHeapBytes() - heapBefore;

    // The ring's own bound (16 MiB) is the only growth; unpaced, the stream queued all 40 MB as entries.
    expect(heapGrowth).toBeLessThan(DEFAULT_AGENT_LOG_RING_MAX_BYTES + 8 * 1024 * 1024);
    stream.call.on('data', () => undefined);
    stream.call.resume();
    const error = await stream.error;
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/fell behind the agent's log: \d+ line\(s\) were overwritten/);
    await eventually(() => (service().openStreams('agent') === 0 ? true : undefined), 5000, 'the slot being freed');
  });

  it(`refuses stream ${MAX_STREAMS + 1} of one source with RESOURCE_EXHAUSTED, and takes a new one after a cancel`, async () => {
    const held = Array.from({ length: MAX_STREAMS }, () => open({ log_source: 'agent', follow: true }, false));
    await eventually(() => (service().openStreams('agent') === MAX_STREAMS ? true : undefined), 5000, 'the streams opening');

    const refused = await open({ log_source: 'agent', follow: true }, false).error;
    expect(refused?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused?.details).toContain('log.max_streams_per_source');
    // Another source has its own slots.
    const otherSource = open({ log_source: 'ocserv', follow: true }, true);
    await eventually(() => (service().openStreams('ocserv') === 1 ? true : undefined), 5000, 'an ocserv stream');
    otherSource.call.cancel();

    held[0]?.call.cancel();
    await eventually(() => (service().openStreams('agent') === MAX_STREAMS - 1 ? true : undefined), 5000, 'a slot freed');
    const next = open({ log_source: 'agent', follow: true }, false);
    await eventually(() => (next.entries.length > 0 ? true : undefined), 5000, 'the new stream reading');
    [next, ...held.slice(1)].forEach((stream) => stream.call.cancel());
    await eventually(() => (service().openStreams('agent') === 0 ? true : undefined), 5000, 'all slots freed');
  });

  it('logs a stream the client cancelled with entries still unsent as CANCELLED, not OK', async () => {
    // A client that never reads the 50 MB log: unpaced, tail finished at once, Nest queued the rest and the
    // call was logged OK on the spot; paced, the source waits for the reader, so the cancel is what ends it.
    const before = agent.logs.lines.length;
    const request = LogStreamRequest.encode({ log_source: 'ocserv', follow: false, start_time: undefined }).finish();
    const stream = unread(request);
    await eventually(() => (service().openStreams('ocserv') === 1 ? true : undefined), 5000, 'the stream opening');
    await settle(2000);
    const rpcLine = () =>
      agent.logs.lines.slice(before).find((entry) => entry.msg === 'rpc' && String(entry.method).endsWith('/StreamLogs'));
    expect(rpcLine()).toBeUndefined();

    stream.cancel();
    const line = await eventually(rpcLine, 5000, 'the rpc line');
    expect(line.code).toBe('CANCELLED');
    await eventually(() => (service().openStreams('ocserv') === 0 ? true : undefined), 5000, 'the slot being freed');
  });

  it('logs a stream read to its end as OK', async () => {
    const before = agent.logs.lines.length;
    const entries = await reader.serverStream<LogEntry>(reader.agent, 'StreamLogs', { log_source: 'agent' });
    expect(entries.length).toBeGreaterThan(0);
    const line = await eventually(
      () => agent.logs.lines.slice(before).find((entry) => entry.msg === 'rpc' && String(entry.method).endsWith('/StreamLogs')),
      5000,
      'the rpc line',
    );
    expect(line.code).toBe('OK');
  });
});
