/*
 * Outbox drain (issue 11): how fast the EventDeliverer empties a backlog of 10,000 events
 * into the portal, against a bare grpc-js client sending the same 10,000 ReportConnect calls
 * with the same TLS, the same channel options and the same concurrency (events.max_in_flight),
 * in the same run, to the same portal simulator (its own process, mutual TLS).
 *   Deliverer: the SQLite outbox (WAL, synchronous normal; DRAIN_OUTBOX=memory for the tests'
 *   in-memory one) filled with 10,000 connects (10,000 sessions), then start(); timed until
 *   the simulator has answered all 10,000 distinct event ids (its per-call log lines).
 *   Bare: a pool of max_in_flight workers, each awaiting one unary call after another; same end.
 * Each side starts with its channel already READY (the deliverer's keeper connects at boot).
 * Targets: deliverer >= 2,000 events/s, deliverer / bare >= 0.5.
 * Prints a summary and writes bench/results/outbox-drain.json.
 *   npm run bench -- outbox-drain      (DRAIN_EVENTS, DRAIN_ROUNDS, DRAIN_MAX_IN_FLIGHT to change it)
 */
import 'reflect-metadata';
import { Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPortalEventClient } from '../src/portal/portal-client.factory';
import { toReportConnectRequest } from '../src/portal/event-wire.mapper';
import { EventOutbox } from '../src/session-events/outbox/event-outbox';
import { SqliteEventOutbox } from '../src/session-events/outbox/sqlite-event-outbox';
import type { ConnectEventBody } from '../src/session-events/session-event';
import { TEST_POLICY_YAML } from '../test/support/portal-sim';
import { createDeliveryRig, deliveryConfig } from '../test/support/session-events/delivery-rig';
import { InMemoryEventOutbox } from '../test/support/session-events/in-memory-event-outbox';
import { createTestPki, type TestPki } from '../test/support/test-pki';
import { SimulatorProcess } from './simulator-process';

const EVENTS = Number(process.env.DRAIN_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.DRAIN_ROUNDS ?? 3);
const MAX_IN_FLIGHT = Number(process.env.DRAIN_MAX_IN_FLIGHT ?? 64);
const DRAIN_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 10_000;
const TARGET_EVENTS_PER_S = 2_000;
const TARGET_RATIO = 0.5;
const RESULTS_FILE = join(__dirname, 'results', 'outbox-drain.json');

/** The agent's SQLite outbox (DRAIN_OUTBOX=memory: the in-memory one of the tests, same contract, for comparison). */
const OUTBOX_KIND = process.env.DRAIN_OUTBOX === 'memory' ? 'memory' : 'sqlite';

function newOutbox(dir: string, round: number): EventOutbox {
  if (OUTBOX_KIND === 'memory') return new InMemoryEventOutbox();
  return new SqliteEventOutbox({ path: join(dir, `drain-${round}.db`), maxBytes: 1024 * 1024 * 1024, synchronous: 'normal' });
}

/** The outbox with its calls counted and timed (what the deliverer costs the store). */
class CountedOutbox extends EventOutbox {
  readonly calls = { lease: 0, delivered: 0, failed: 0, nextDue: 0 };
  outboxMs = 0;

  constructor(private readonly inner: EventOutbox) {
    super();
  }

  private timed<T>(name: keyof CountedOutbox['calls'] | undefined, work: () => T): T {
    const started = process.hrtime.bigint();
    try {
      return work();
    } finally {
      if (name !== undefined) this.calls[name] += 1;
      this.outboxMs += Number(process.hrtime.bigint() - started) / 1e6;
    }
  }

  recordConnect(...args: Parameters<EventOutbox['recordConnect']>): ReturnType<EventOutbox['recordConnect']> {
    return this.inner.recordConnect(...args);
  }
  recordDisconnect(...args: Parameters<EventOutbox['recordDisconnect']>): ReturnType<EventOutbox['recordDisconnect']> {
    return this.inner.recordDisconnect(...args);
  }
  recordUpdate(...args: Parameters<EventOutbox['recordUpdate']>): ReturnType<EventOutbox['recordUpdate']> {
    return this.inner.recordUpdate(...args);
  }
  amendPendingDisconnect(...args: Parameters<EventOutbox['amendPendingDisconnect']>): boolean {
    return this.inner.amendPendingDisconnect(...args);
  }
  lease(nowMs: number, limit: number): ReturnType<EventOutbox['lease']> {
    return this.timed('lease', () => this.inner.lease(nowMs, limit));
  }
  delivered(seqs: readonly number[]): void {
    this.timed('delivered', () => this.inner.delivered(seqs));
  }
  failed(seq: number, retryAtMs: number): void {
    this.timed('failed', () => this.inner.failed(seq, retryAtMs));
  }
  nextDueMs(): number | undefined {
    return this.timed('nextDue', () => this.inner.nextDueMs());
  }
  liveSessions(): ReturnType<EventOutbox['liveSessions']> {
    return this.inner.liveSessions();
  }
  stats(): ReturnType<EventOutbox['stats']> {
    return this.inner.stats();
  }
  close(): void {
    this.inner.close();
  }
}

interface SideResult {
  events_per_s: number;
  elapsed_ms: number;
  /** Calls the simulator logged (re-sends and failures included). */
  simulator_calls: number;
  duplicates: number;
  /** CPU of this (the sending) process during the run, ms per 1,000 events. */
  cpu_ms_per_1000_events: number;
}

interface Round {
  round: number;
  deliverer: SideResult & {
    delivered_committed_ms: number;
    outbox_calls: CountedOutbox['calls'];
    /** Time spent inside lease/delivered/failed/nextDueMs during the drain. */
    outbox_ms: number;
    fill_ms: number;
  };
  bare: SideResult;
  ratio: number;
}

function connectBody(i: number, nowMs: number): ConnectEventBody {
  return {
    kind: 'connect',
    username: `bench-user-${i % 500}`,
    sessionId: `bench-sess-${randomUUID()}`,
    groupname: 'staff',
    clientIp: `198.51.${(i >> 8) & 255}.${i & 255}`,
    vpnIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    device: 'vpns0',
    connectedAtMs: nowMs,
    metadata: { ocserv_session: `ocs-${i}`, reported_by: 'hook' },
  };
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sideResult(elapsedMs: number, cpu: number, sim: SimulatorProcess): SideResult {
  return {
    events_per_s: Math.round((EVENTS / elapsedMs) * 1000),
    elapsed_ms: Math.round(elapsedMs),
    simulator_calls: sim.eventCallCount,
    duplicates: sim.duplicateEventCount,
    cpu_ms_per_1000_events: Math.round((cpu / EVENTS) * 1000 * 10) / 10,
  };
}

async function delivererRound(sim: SimulatorProcess, pki: TestPki, round: number): Promise<Round['deliverer']> {
  const outbox = new CountedOutbox(newOutbox(pki.dir, round));
  const nowMs = Date.now();
  const fillStarted = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i += 1) outbox.recordConnect(connectBody(i, nowMs), nowMs);
  const fillMs = Number(process.hrtime.bigint() - fillStarted) / 1e6;
  const rig = createDeliveryRig(sim.address, pki, outbox, { max_in_flight: MAX_IN_FLIGHT });
  const channelState = async (): Promise<number> =>
    (await rig.registry.getSingleMetric('ocserv_agent_portal_event_channel_state')?.get())?.values[0]?.value ?? -1;
  let ready = false;
  const readyBy = Date.now() + READY_TIMEOUT_MS;
  while (!ready && Date.now() < readyBy) {
    ready = (await channelState()) === 2;
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!ready) throw new Error('the deliverer channel did not become READY');
  sim.resetEvents();
  const cpuBefore = cpuMs();
  const started = process.hrtime.bigint();
  rig.deliverer.start();
  await sim.untilEventsAnswered(EVENTS, DRAIN_TIMEOUT_MS);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = cpuMs() - cpuBefore;
  await until(() => outbox.stats().pending === 0, DRAIN_TIMEOUT_MS, 'the outbox to be empty');
  const committedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = {
    ...sideResult(elapsedMs, cpu, sim),
    delivered_committed_ms: Math.round(committedMs),
    outbox_calls: { ...outbox.calls },
    outbox_ms: Math.round(outbox.outboxMs),
    fill_ms: Math.round(fillMs),
  };
  await rig.close();
  outbox.close();
  return result;
}

type UnaryCall = (request: object, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null) => void) => void;

async function bareRound(sim: SimulatorProcess, pki: TestPki): Promise<SideResult> {
  // The same factory as the agent: same credentials, channel options and proto-loader options.
  const config = deliveryConfig(sim.address, pki, { max_in_flight: MAX_IN_FLIGHT });
  const client: Client = createPortalEventClient(config.portal);
  const reportConnect = (client as unknown as { ReportConnect: UnaryCall }).ReportConnect.bind(client);
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + READY_TIMEOUT_MS, (error) => (error ? reject(error) : resolve())));
  const nowMs = Date.now();
  const requests = Array.from({ length: EVENTS }, (_, i) => toReportConnectRequest(connectBody(i, nowMs), randomUUID()));
  sim.resetEvents();
  const cpuBefore = cpuMs();
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const request = requests[next++] as object;
      await new Promise<void>((resolve, reject) =>
        reportConnect(request, new Metadata(), { deadline: new Date(Date.now() + config.events.call_timeout_ms) }, (error) => (error ? reject(error) : resolve())),
      );
    }
  };
  await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, worker));
  await sim.untilEventsAnswered(EVENTS, DRAIN_TIMEOUT_MS);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = sideResult(elapsedMs, cpuMs() - cpuBefore, sim);
  client.close();
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-drain-'));
  const pki = createTestPki(dir);
  const sim = await SimulatorProcess.start(pki, TEST_POLICY_YAML, 0);
  const rounds: Round[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      // Alternate which side goes first, so a warming machine favours neither.
      const delivererFirst = round % 2 === 1;
      const first = delivererFirst ? await delivererRound(sim, pki, round) : await bareRound(sim, pki);
      const second = delivererFirst ? await bareRound(sim, pki) : await delivererRound(sim, pki, round);
      const deliverer = (delivererFirst ? first : second) as Round['deliverer'];
      const bare = (delivererFirst ? second : first) as SideResult;
      const ratio = Math.round((deliverer.events_per_s / bare.events_per_s) * 100) / 100;
      rounds.push({ round, deliverer, bare, ratio });
      console.log(
        `round ${round}: deliverer ${deliverer.events_per_s} events/s (${deliverer.elapsed_ms} ms, committed at ${deliverer.delivered_committed_ms} ms, ` +
          `${deliverer.outbox_calls.delivered} commits, ${deliverer.outbox_calls.lease} leases, ${deliverer.outbox_calls.nextDue} nextDueMs, ` +
          `${deliverer.outbox_ms} ms in the outbox, ${deliverer.cpu_ms_per_1000_events} CPU ms/1000), ` +
          `bare ${bare.events_per_s} events/s (${bare.elapsed_ms} ms, ${bare.cpu_ms_per_1000_events} CPU ms/1000), ratio ${ratio}`,
      );
    }
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const delivererMedian = median(rounds.map((round) => round.deliverer.events_per_s));
  const ratioMedian = median(rounds.map((round) => round.ratio));
  const summary = {
    bench: 'outbox-drain',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    outbox:
      OUTBOX_KIND === 'memory'
        ? 'in-memory (test/support/session-events/in-memory-event-outbox.ts)'
        : 'SqliteEventOutbox (src/session-events/outbox/sqlite-event-outbox.ts), WAL, synchronous normal',
    simulator: 'own process, mTLS, latency 0, one JSON log line per call',
    events: EVENTS,
    max_in_flight: MAX_IN_FLIGHT,
    rounds,
    median: { deliverer_events_per_s: delivererMedian, bare_events_per_s: median(rounds.map((round) => round.bare.events_per_s)), ratio: ratioMedian },
    targets: { deliverer_events_per_s: TARGET_EVENTS_PER_S, ratio: TARGET_RATIO },
    pass: delivererMedian >= TARGET_EVENTS_PER_S && ratioMedian >= TARGET_RATIO,
  };
  console.log(JSON.stringify(summary.median), summary.pass ? 'PASS' : 'FAIL');
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
