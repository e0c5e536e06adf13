import { Server } from '@grpc/grpc-js';
import type { Policy } from '../policy/policy';
import { loadPolicyFile } from '../policy/policy-file.loader';
import { CallPacer } from './call-pacer';
import { type FinishedCall, PortalCallHandler } from './portal-call.handler';
import { AUTH_METHODS, EVENT_METHODS, type PortalMethod } from './portal-protos.constant';
import { portalServiceDefinitions } from './portal-service-definitions';
import { type SimulatorTls, simulatorCredentials } from './simulator-credentials';
import { type RecordedCall, SimulatorRecords } from './simulator-records';
import { type SwitchState, SimulatorSwitches } from './simulator-switches';

export type PolicySource =
  | { readonly policy: Policy; readonly policyFile?: never }
  | { readonly policyFile: string; readonly policy?: never };

export type PortalSimulatorOptions = PolicySource & {
  readonly tls: SimulatorTls;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port (see `.port`). */
  readonly port?: number;
  readonly latencyMs?: number;
  readonly errorRate?: number;
  /** Newest records kept (default 100,000); callCount stays exact beyond it. */
  readonly maxRecords?: number;
  /** Told about every call once it is answered, failed or cancelled (the CLI logs it). */
  readonly onCallFinished?: (finished: FinishedCall) => void;
};

export interface SimulatorState extends SwitchState {
  /** true between outage() and restart(). */
  readonly outage: boolean;
}

export type { CallOutcome, FinishedCall } from './portal-call.handler';

/**
 * A stand-in for the portal's gRPC API (vpn.v1 AuthService and EventService)
 * for tests, benchmarks and the demo: answers CheckPolicy from a policy file,
 * records what it receives, and fails on demand (latency, error rate, hang,
 * hard outage) to exercise the agent's timeouts, breaker and fail modes.
 */
export class PortalSimulator {
  private readonly switches = new SimulatorSwitches();
  private readonly pacer = new CallPacer(this.switches);
  private readonly records: SimulatorRecords;
  private readonly handler: PortalCallHandler;
  private currentPolicy: Policy;
  private server: Server | undefined;
  private boundPort = 0;
  private stopped = false;
  /** outage/restart/stop run one at a time, in call order. */
  private lifecycle: Promise<void> = Promise.resolve();

  private constructor(private readonly options: PortalSimulatorOptions) {
    this.records = new SimulatorRecords(options.maxRecords);
    this.currentPolicy = options.policy ?? loadPolicyFile(options.policyFile as string);
    this.switches.setLatencyMs(options.latencyMs ?? 0);
    this.switches.setErrorRate(options.errorRate ?? 0);
    this.handler = new PortalCallHandler({
      switches: this.switches,
      pacer: this.pacer,
      records: this.records,
      currentPolicy: () => this.currentPolicy,
      onCallFinished: options.onCallFinished,
    });
  }

  /** Loads the policy (PolicyFileError if bad) and listens; resolves once the port is bound. */
  static async start(options: PortalSimulatorOptions): Promise<PortalSimulator> {
    const simulator = new PortalSimulator(options);
    await simulator.listen(options.port ?? 0);
    return simulator;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** The bound port; kept through an outage, reused by restart(). */
  get port(): number {
    return this.boundPort;
  }

  /** host:port, IPv6 hosts in brackets. */
  get address(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  get policy(): Policy {
    return this.currentPolicy;
  }

  get state(): SimulatorState {
    return { ...this.switches.state, outage: this.server === undefined };
  }

  /** Calls received but not yet answered (waiting for latency or hang). */
  get pendingCallCount(): number {
    return this.pacer.pendingCount;
  }

  setLatencyMs(ms: number): void {
    this.switches.setLatencyMs(ms);
  }

  /** Fails that fraction of calls with UNAVAILABLE, deterministically (see simulator-switches.ts). */
  setErrorRate(rate: number): void {
    this.switches.setErrorRate(rate);
  }

  /** On: calls are held unanswered. Off: every held call is answered now. */
  setHang(hang: boolean): void {
    this.switches.setHang(hang);
    if (!hang) this.pacer.releaseHung();
  }

  setPolicy(policy: Policy): void {
    this.currentPolicy = policy;
  }

  /** Re-reads the policy file; on error (PolicyFileError) the current policy stays. */
  reloadPolicy(): void {
    if (this.options.policyFile === undefined) {
      throw new Error('the portal simulator was started with an in-memory policy; there is no file to reload');
    }
    this.currentPolicy = loadPolicyFile(this.options.policyFile);
  }

  /** Hard outage: stop listening and drop every connection, so clients see connection refused. */
  outage(): Promise<void> {
    return this.serialized(async () => {
      this.closeServer();
    });
  }

  /** Listen again on the same port, with the same policy, switches and records. No-op while listening. */
  restart(): Promise<void> {
    return this.serialized(async () => {
      if (this.stopped) throw new Error('the portal simulator is stopped');
      if (this.server === undefined) await this.listen(this.boundPort);
    });
  }

  stop(): Promise<void> {
    return this.serialized(async () => {
      this.stopped = true;
      this.closeServer();
    });
  }

  /** Every CheckPolicy request received, oldest first. */
  get calls(): RecordedCall[] {
    return this.records.of('CheckPolicy');
  }

  /** Every ValidateSession request received, oldest first. */
  get sessionValidations(): RecordedCall[] {
    return this.records.of('ValidateSession');
  }

  /** Every EventService request received, oldest first, re-sends (duplicate: true) included. */
  get events(): RecordedCall[] {
    return this.records.events();
  }

  /** EventService requests without the re-sends: each event_id once, as first received, oldest first. */
  get uniqueEvents(): RecordedCall[] {
    return this.records.events().filter((record) => !record.duplicate);
  }

  /** EventService requests whose metadata.event_id had been received before, since the last reset (exact). */
  get duplicateEventCount(): number {
    return this.records.duplicateCount();
  }

  duplicateCounts(): Readonly<Record<string, number>> {
    return this.records.duplicatesByMethod();
  }

  /** Every request received, oldest first. */
  get allRecords(): readonly RecordedCall[] {
    return this.records.all;
  }

  callCount(method: PortalMethod): number {
    return this.records.count(method);
  }

  callCounts(): Readonly<Record<string, number>> {
    return this.records.countsByMethod();
  }

  resetRecords(): void {
    this.records.reset();
  }

  private async listen(port: number): Promise<void> {
    const definitions = portalServiceDefinitions();
    const server = new Server();
    server.addService(definitions.auth, this.handler.implementation(definitions.auth, AUTH_METHODS));
    server.addService(definitions.events, this.handler.implementation(definitions.events, EVENT_METHODS));
    const bindHost = this.host.includes(':') ? `[${this.host}]` : this.host;
    try {
      this.boundPort = await new Promise<number>((resolve, reject) =>
        server.bindAsync(`${bindHost}:${port}`, simulatorCredentials(this.options.tls), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
    } catch (error) {
      server.forceShutdown();
      throw error;
    }
    this.server = server;
  }

  private closeServer(): void {
    this.pacer.abandonAll();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private serialized(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }
}
