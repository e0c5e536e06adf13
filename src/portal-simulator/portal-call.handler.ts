import { status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { identityFromCertificate } from '../access/caller-identity';
import { http2SessionOf } from '../grpc/http2-session-of';
import type { Policy } from '../policy/policy';
import { evaluatePolicy } from '../policy/policy.evaluator';
import type { CallPacer } from './call-pacer';
import { KnownGroups } from './known-groups';
import { type PortalMethod, SIMULATED_ERROR_MESSAGE } from './portal-protos.constant';
import {
  checkPolicyResponse,
  EVENT_RESPONSES,
  policySubjectOf,
  sessionUpdateResponse,
  stringField,
  validateSessionResponse,
} from './portal-wire.mapper';
import type { RecordedCall, SimulatorRecords } from './simulator-records';
import type { SimulatorSwitches } from './simulator-switches';

export type CallOutcome = 'answered' | 'simulated-error' | 'cancelled';

export interface FinishedCall {
  readonly record: RecordedCall;
  readonly outcome: CallOutcome;
  readonly durationMs: number;
  /** The response sent, when outcome is "answered". */
  readonly response?: Readonly<Record<string, unknown>>;
}

export interface PortalCallHandlerDeps {
  readonly switches: SimulatorSwitches;
  readonly pacer: CallPacer;
  readonly records: SimulatorRecords;
  /** Read when a call is answered, so a policy changed during a hang applies. */
  readonly currentPolicy: () => Policy;
  readonly onCallFinished?: (finished: FinishedCall) => void;
}

type PlainRequest = Readonly<Record<string, unknown>>;
type UnaryCall = ServerUnaryCall<PlainRequest, unknown>;

/**
 * Every RPC the simulator serves, in one path: record it (the error-rate
 * switch decides its fate on arrival, in arrival order), wait for latency and
 * hang, then answer from the policy, fail with UNAVAILABLE, or drop it if the
 * client has gone.
 */
export class PortalCallHandler {
  private readonly knownGroups = new KnownGroups();
  private readonly callerByConnection = new WeakMap<object, string | undefined>();

  constructor(private readonly deps: PortalCallHandlerDeps) {}

  implementation(definition: ServiceDefinition, methods: readonly PortalMethod[]): UntypedServiceImplementation {
    const missing = methods.filter((method) => definition[method] === undefined);
    if (missing.length > 0) {
      throw new Error(`the .proto files lack ${missing.join(', ')}`);
    }
    return Object.fromEntries(
      methods.map((method) => [method, (call: UnaryCall, callback: sendUnaryData<unknown>) => void this.serve(method, call, callback)]),
    );
  }

  private async serve(method: PortalMethod, call: UnaryCall, callback: sendUnaryData<unknown>): Promise<void> {
    const request = call.request;
    const record = this.deps.records.add({
      method,
      receivedAtMs: Date.now(),
      callerCn: this.callerCnOf(call),
      request,
      simulatedError: this.deps.switches.nextCallFails(),
    });
    if (method === 'CheckPolicy' || method === 'ReportConnect') {
      this.knownGroups.remember(stringField(request, 'username'), stringField(request, 'groupname'));
    }
    const answerNow = await this.deps.pacer.waitToAnswer(call);
    if (!answerNow) {
      this.finished(record, 'cancelled');
    } else if (record.simulatedError) {
      callback(Object.assign(new Error(SIMULATED_ERROR_MESSAGE), { code: status.UNAVAILABLE, details: SIMULATED_ERROR_MESSAGE }));
      this.finished(record, 'simulated-error');
    } else {
      const response = this.answer(method, request);
      callback(null, response);
      this.finished(record, 'answered', response);
    }
  }

  private answer(method: PortalMethod, request: PlainRequest): Record<string, unknown> {
    const policy = this.deps.currentPolicy();
    switch (method) {
      case 'CheckPolicy':
        return checkPolicyResponse(evaluatePolicy(policy, policySubjectOf(request)));
      case 'ValidateSession': {
        // ValidateSession carries no group: use the one last reported for the user.
        const username = stringField(request, 'username');
        return validateSessionResponse(evaluatePolicy(policy, { username, groupname: this.knownGroups.groupOf(username) }));
      }
      case 'ReportSessionUpdate': {
        // As ValidateSession: the request has no group, so the one last reported for the user.
        const username = stringField(request, 'username');
        return sessionUpdateResponse(evaluatePolicy(policy, { username, groupname: this.knownGroups.groupOf(username) }));
      }
      case 'ReportConnect':
      case 'ReportDisconnect':
        return { ...EVENT_RESPONSES[method] };
    }
  }

  private finished(record: RecordedCall, outcome: CallOutcome, response?: Record<string, unknown>): void {
    this.deps.onCallFinished?.({ record, outcome, durationMs: Date.now() - record.receivedAtMs, response });
  }

  /** One certificate per TLS connection: read it once per HTTP/2 session, not per call. */
  private callerCnOf(call: UnaryCall): string | undefined {
    const session = http2SessionOf(call);
    if (session !== undefined && this.callerByConnection.has(session)) {
      return this.callerByConnection.get(session);
    }
    const cn = identityFromCertificate(call.getAuthContext?.().sslPeerCertificate).commonNames[0];
    if (session !== undefined) this.callerByConnection.set(session, cn);
    return cn;
  }
}
