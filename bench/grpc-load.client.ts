/*
 * The load side of bench/grpc-load.bench.ts, in its own process so that client
 * work does not share the agent's event loop. Prints one JSON result line.
 *   node -r ts-node/register/transpile-only grpc-load.client.ts '<json args>'
 */
import { AgentClients, connectAgent, mtlsCredentials } from '../test/support/agent-clients';
import type { TestPki } from '../test/support/test-pki';
import { elapsedMs, summarize } from './bench-stats';
import { rawResponseDefinition } from './raw-response-definition';

interface ClientArgs {
  phase: 'concurrency' | 'large-list';
  /** Paced load: the iterations per second all clients together start (open loop); unset = as fast as possible. */
  iterationsPerSecond?: number;
  port: number;
  pki: { ca: string; cert: string; key: string };
  clients?: number;
  iterations?: number;
  sessions?: number;
  listCalls?: number;
  tag: string;
}

const VPN = 'agent.v1.VPNAgentService';
/** Every this many calls, a response is decoded and checked. */
const SAMPLE_EVERY = 50;

const args = JSON.parse(process.argv[2] ?? '{}') as ClientArgs;
const raw = rawResponseDefinition();
const pki = { ca: Buffer.from(args.pki.ca) } as unknown as TestPki;
const pair = { cert: Buffer.from(args.pki.cert), key: Buffer.from(args.pki.key), certFile: '', keyFile: '' };
/*
 * HTTP/2 receive window: grpc-js clients default to 64 KiB, so a 1.1 MB list
 * needs ~17 window updates; grpc-go clients (the portal) grow theirs by BDP
 * estimation. 4 MiB stands in for that.
 */
const FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;
const connect = () =>
  connectAgent(args.port, mtlsCredentials(pki, pair), { 'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES }, raw.definition);
let callCount = 0;
const checkFailures: string[] = [];

async function timed(samples: number[], client: AgentClients, method: string, request: object, check: (r: any) => boolean) {
  const started = process.hrtime.bigint();
  const bytes = await client.unary<Buffer>(client.vpn, method, request);
  samples.push(elapsedMs(started));
  callCount += 1;
  if (callCount % SAMPLE_EVERY === 0) {
    const decoded = raw.decode(`${VPN}.${method}`, bytes);
    if (!check(decoded)) checkFailures.push(`${method}: unexpected ${JSON.stringify(decoded).slice(0, 200)}`);
  }
  return bytes;
}

async function concurrency(): Promise<object> {
  const clientCount = args.clients ?? 100;
  const iterations = args.iterations ?? 10;
  const clients: AgentClients[] = Array.from({ length: clientCount }, connect);
  await Promise.all(clients.map((client) => client.waitForReady(20_000)));
  const latency = { NotifyConnect: [] as number[], GetActiveSessions: [] as number[], NotifyDisconnect: [] as number[] };
  const errors: string[] = [];
  const cpuStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  // Paced: client c starts iteration i at (i * clients + c) / rate seconds, whether or not earlier calls returned.
  const paceMs = args.iterationsPerSecond === undefined ? undefined : 1000 / args.iterationsPerSecond;
  const startedAtMs = Date.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < iterations; i += 1) {
        if (paceMs !== undefined) {
          const dueMs = startedAtMs + (i * clientCount + c) * paceMs;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueMs - Date.now())));
        }
        const username = `${args.tag}u${c}`;
        const sessionId = `${args.tag}-${c}-${i}`;
        try {
          await timed(latency.NotifyConnect, client, 'NotifyConnect',
            { username, client_ip: '198.51.100.1', vpn_ip: '10.10.0.2', session_id: sessionId }, (r) => r.allowed === true);
          await timed(latency.GetActiveSessions, client, 'GetActiveSessions', { include_stats: true },
            (r) => r.total_count === r.sessions.length && r.total_count >= 1);
          await timed(latency.NotifyDisconnect, client, 'NotifyDisconnect', { username, session_id: sessionId },
            (r) => r.acknowledged === true);
        } catch (error) {
          errors.push(String((error as Error).message));
        }
      }
    }),
  );
  const wallMs = elapsedMs(started);
  const clientCpu = process.cpuUsage(cpuStart);
  clients.forEach((client) => client.close());
  const all = [...latency.NotifyConnect, ...latency.GetActiveSessions, ...latency.NotifyDisconnect];
  return {
    clients: clientCount,
    iterations,
    paced_iterations_per_second: args.iterationsPerSecond ?? null,
    calls: all.length,
    errors: errors.length,
    first_errors: errors.slice(0, 3),
    sampled_checks_failed: checkFailures.length,
    first_check_failures: checkFailures.slice(0, 3),
    wall_ms: Math.round(wallMs),
    calls_per_second: Math.round((all.length / wallMs) * 1000),
    client_cpu_ms: Math.round((clientCpu.user + clientCpu.system) / 1000),
    all: summarize(all),
    by_method: Object.fromEntries(Object.entries(latency).map(([method, samples]) => [method, summarize(samples)])),
  };
}

async function largeList(): Promise<object> {
  const sessions = args.sessions ?? 10_000;
  const listCalls = args.listCalls ?? 200;
  const client = connect();
  await client.waitForReady(20_000);
  const fillers: AgentClients[] = Array.from({ length: 20 }, connect);
  const fill = async (method: string, request: (n: number) => object) => {
    let next = 0;
    await Promise.all(
      fillers.map(async (filler) => {
        while (next < sessions) {
          const n = next;
          next += 1;
          await filler.unary(filler.vpn, method, request(n));
        }
      }),
    );
  };
  await fill('NotifyConnect', (n) => ({
    username: `big${n % 2500}`,
    client_ip: '198.51.100.1',
    vpn_ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    session_id: `big-${n}`,
    device_id: 'vpns0',
    metadata: { user_agent: 'AnyConnect Windows 4.10.07061' },
  }));
  const samples: number[] = [];
  let lastBytes: Buffer = Buffer.alloc(0);
  for (let i = 0; i < listCalls; i += 1) {
    const started = process.hrtime.bigint();
    lastBytes = await client.unary<Buffer>(client.vpn, 'GetActiveSessions', { include_stats: true });
    samples.push(elapsedMs(started));
  }
  const decodeStarted = process.hrtime.bigint();
  const decoded = raw.decode(`${VPN}.GetActiveSessions`, lastBytes) as { total_count: number; sessions: unknown[] };
  const decodeMs = elapsedMs(decodeStarted);
  await fill('NotifyDisconnect', (n) => ({ username: `big${n % 2500}`, session_id: `big-${n}` }));
  const remaining = raw.decode(
    `${VPN}.GetActiveSessions`,
    await client.unary<Buffer>(client.vpn, 'GetActiveSessions', {}),
  ) as { total_count: number };
  [client, ...fillers].forEach((c) => c.close());
  return {
    sessions,
    listed: decoded.total_count,
    listed_entries: decoded.sessions.length,
    remaining_after_cleanup: remaining.total_count,
    response_bytes: lastBytes.length,
    client_protobufjs_decode_ms: Math.round(decodeMs * 10) / 10,
    get_active_sessions: summarize(samples),
  };
}

(args.phase === 'concurrency' ? concurrency() : largeList()).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  },
);
