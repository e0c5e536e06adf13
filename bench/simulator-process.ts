import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { PortalSimulator } from '../src/portal-simulator/portal-simulator';
import { testPolicy } from '../test/support/portal-sim';
import type { TestPki } from '../test/support/test-pki';

const SIMULATOR_MAIN = join(__dirname, '..', 'dist', 'portal-simulator', 'main.js');
const START_TIMEOUT_MS = 15_000;

/** One call as the simulator logged it: when it arrived, how long it held it, how it ended. */
export interface SimulatorCall {
  readonly username: string;
  readonly receivedAtMs: number;
  readonly durationMs: number;
  readonly outcome: string;
}

/**
 * The portal simulator as its own OS process (the real portal is another host): it does
 * not share the benchmark's event loop, which spawns hundreds of openconnect clients, and
 * its CPU is measured apart. Its per-call log lines give the simulator's own handling time.
 */
export class SimulatorProcess {
  readonly calls: SimulatorCall[] = [];
  address = '';
  private controlAddress = '';
  private buffer = '';
  /** EventService calls answered, by metadata.event_id as the simulator logged them (since resetEvents()). */
  private readonly answeredEventIds = new Set<string>();
  private eventLines = 0;
  private duplicateLines = 0;
  private eventWaiter: { readonly count: number; readonly resolve: () => void } | undefined;

  private constructor(private readonly child: ChildProcess) {}

  static async start(pki: TestPki, policyYaml: string, latencyMs: number): Promise<SimulatorProcess> {
    const policyFile = join(pki.dir, 'bench-policy.yaml');
    writeFileSync(policyFile, policyYaml);
    const args = [SIMULATOR_MAIN, '--policy', policyFile, '--cert', pki.server.certFile, '--key', pki.server.keyFile,
      '--ca', pki.caFile, '--latency-ms', String(latencyMs), '--control', '127.0.0.1:0'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const sim = new SimulatorProcess(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('portal simulator did not start')), START_TIMEOUT_MS);
      child.once('exit', (code) => reject(new Error(`portal simulator exited ${code} at start`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        sim.onData(chunk);
        if (sim.address !== '' && sim.controlAddress !== '') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return sim;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** POST /switches on the control endpoint (latency_ms, hang, ...). */
  setSwitches(switches: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(switches);
    const [host, port] = [this.controlAddress.slice(0, this.controlAddress.lastIndexOf(':')), this.controlAddress.split(':').pop()];
    return new Promise((resolve, reject) => {
      const req = request({ host, port: Number(port), path: '/switches', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`switches: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Distinct event ids answered (outcome "answered") since resetEvents(). */
  get answeredEventCount(): number {
    return this.answeredEventIds.size;
  }

  /** EventService lines logged since resetEvents(): every call, re-sends and failures included. */
  get eventCallCount(): number {
    return this.eventLines;
  }

  get duplicateEventCount(): number {
    return this.duplicateLines;
  }

  resetEvents(): void {
    this.answeredEventIds.clear();
    this.eventLines = 0;
    this.duplicateLines = 0;
  }

  /** Resolves once `count` distinct event ids have been answered; rejects after `timeoutMs`. */
  untilEventsAnswered(count: number, timeoutMs: number): Promise<void> {
    if (this.answeredEventIds.size >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the simulator answered ${this.answeredEventIds.size} of ${count} events in ${timeoutMs} ms`)), timeoutMs);
      this.eventWaiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }

  private onEventLine(line: Record<string, unknown>): void {
    this.eventLines += 1;
    if (line['duplicate'] === true) this.duplicateLines += 1;
    if (line['outcome'] !== 'answered') return;
    this.answeredEventIds.add(line['event_id'] as string);
    if (this.eventWaiter !== undefined && this.answeredEventIds.size >= this.eventWaiter.count) {
      const waiter = this.eventWaiter;
      this.eventWaiter = undefined;
      waiter.resolve();
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = JSON.parse(this.buffer.slice(0, newline)) as Record<string, unknown>;
      this.buffer = this.buffer.slice(newline + 1);
      newline = this.buffer.indexOf('\n');
      if (line['msg'] === 'portal simulator listening') {
        this.address = String(line['address']);
        this.controlAddress = String(line['control_address']);
      }
      if (line['msg'] === 'call' && typeof line['event_id'] === 'string') this.onEventLine(line);
      if (line['msg'] === 'call' && line['method'] === 'CheckPolicy') {
        const finishedAtMs = Date.parse(String(line['time']));
        const durationMs = Number(line['duration_ms']);
        this.calls.push({ username: String(line['username']), receivedAtMs: finishedAtMs - durationMs, durationMs, outcome: String(line['outcome']) });
      }
    }
  }
}

/**
 * The simulator inside the benchmark's own process, as bench/authorization.bench.ts had it:
 * kept only to reproduce issue 14's measurement (STORM_SIMULATOR=in-process), where the
 * simulator shares its event loop with the spawning of every openconnect client.
 */
export class InProcessSimulator {
  readonly calls: SimulatorCall[] = [];
  readonly pid = process.pid;

  private constructor(private readonly simulator: PortalSimulator) {}

  static async start(pki: TestPki, policyYaml: string, latencyMs: number): Promise<InProcessSimulator> {
    const calls: SimulatorCall[] = [];
    const simulator = await PortalSimulator.start({
      policy: testPolicy(policyYaml),
      tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.caFile },
      latencyMs,
      onCallFinished: ({ record, outcome, durationMs }) => {
        if (record.method === 'CheckPolicy') {
          calls.push({ username: String(record.request['username']), receivedAtMs: record.receivedAtMs, durationMs, outcome });
        }
      },
    });
    const wrapper = new InProcessSimulator(simulator);
    (wrapper as { calls: SimulatorCall[] }).calls = calls;
    return wrapper;
  }

  get address(): string {
    return this.simulator.address;
  }

  async setSwitches(switches: { latency_ms?: number; hang?: boolean }): Promise<void> {
    if (switches.latency_ms !== undefined) this.simulator.setLatencyMs(switches.latency_ms);
    if (switches.hang !== undefined) this.simulator.setHang(switches.hang);
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }
}
