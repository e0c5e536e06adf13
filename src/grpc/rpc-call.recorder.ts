import { Injectable, Logger } from '@nestjs/common';
import { RpcMetrics } from '../metrics/rpc-metrics';
import type { AuditDetail } from './audit-detail';
import type { ResolvedCaller } from './caller-resolver.service';

export interface RpcOutcome {
  readonly method: string;
  readonly caller: ResolvedCaller;
  /** gRPC status name: OK, INVALID_ARGUMENT ... */
  readonly code: string;
  readonly durationMs: number;
  /** Status details for failed calls. */
  readonly details?: string;
  /** For audited (mutating) RPCs: what the call acted on. */
  readonly auditTarget?: string;
  /** For audited RPCs that changed something: the file and a short diff (grpc/audit-detail.ts). */
  readonly auditDetail?: AuditDetail;
}

/** Health probes arrive every few seconds; their lines go to debug so they do not drown the log. */
const QUIET_METHOD_PREFIX = '/grpc.health.v1.';

/**
 * Writes the one log line every RPC gets, the audit line every mutating RPC gets,
 * and the RPC metrics. Called exactly once per call: by the role guard when it
 * refuses a call, otherwise by the call interceptor when the call ends.
 */
@Injectable()
export class RpcCallRecorder {
  private readonly logger = new Logger('grpc');
  private readonly auditLogger = new Logger('audit');

  constructor(private readonly metrics: RpcMetrics) {}

  record(outcome: RpcOutcome): void {
    const line = {
      msg: 'rpc',
      method: outcome.method,
      caller: outcome.caller.identity.display,
      role: outcome.caller.role,
      peer: outcome.caller.peer,
      code: outcome.code,
      duration_ms: Math.round(outcome.durationMs * 1000) / 1000,
      ...(outcome.details !== undefined ? { details: outcome.details } : {}),
    };
    if (outcome.method.startsWith(QUIET_METHOD_PREFIX)) {
      this.logger.debug(line);
    } else if (outcome.code === 'INTERNAL') {
      this.logger.error(line);
    } else {
      this.logger.log(line);
    }
    this.metrics.observe(outcome.method, outcome.code, outcome.durationMs);
    if (outcome.auditTarget !== undefined) {
      this.auditLogger.log({
        msg: 'audit',
        audit: true,
        caller: outcome.caller.identity.display,
        caller_names: [...new Set([...outcome.caller.identity.commonNames, ...outcome.caller.identity.subjectAltNames.map((san) => san.value)])],
        role: outcome.caller.role,
        method: outcome.method,
        target: outcome.auditTarget,
        ...(outcome.auditDetail?.file !== undefined ? { file: outcome.auditDetail.file } : {}),
        ...(outcome.auditDetail?.change !== undefined ? { change: outcome.auditDetail.change } : {}),
        outcome: outcome.code === 'OK' ? 'ok' : outcome.code.toLowerCase(),
      });
    }
  }
}
