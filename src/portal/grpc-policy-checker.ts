import { Client, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { CheckPolicyRequest, CheckPolicyResponse } from '../generated/vpn/v1/auth';
import { PolicyChecker, type PolicyQuery, type PolicyVerdict } from './policy-checker';
import { PortalFailure, PortalFailureKind } from './portal-failure';
import { toCheckPolicyRequest, toPolicyVerdict } from './portal-wire.mapper';

type CheckPolicyMethod = (
  request: CheckPolicyRequest,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: CheckPolicyResponse) => void,
) => void;

/** AuthService.CheckPolicy over the portal channel, one deadline per call. */
@Injectable()
export class GrpcPolicyChecker extends PolicyChecker implements OnModuleDestroy {
  private readonly checkPolicy: CheckPolicyMethod;

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
  ) {
    super();
    this.checkPolicy = (client as unknown as { CheckPolicy: CheckPolicyMethod }).CheckPolicy.bind(client);
  }

  check(query: PolicyQuery, timeoutMs: number): Promise<PolicyVerdict> {
    const request = toCheckPolicyRequest(query, this.clock.nowMs());
    return new Promise<PolicyVerdict>((resolve, reject) => {
      this.checkPolicy(request, new Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => {
        if (error !== null) {
          reject(portalFailure(error));
          return;
        }
        try {
          resolve(toPolicyVerdict(response ?? ({} as CheckPolicyResponse)));
        } catch (invalid) {
          reject(invalid);
        }
      });
    });
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}

function portalFailure(error: ServiceError): PortalFailure {
  const code = status[error.code] ?? String(error.code);
  const kind =
    error.code === status.UNAVAILABLE
      ? PortalFailureKind.Unreachable
      : error.code === status.DEADLINE_EXCEEDED
        ? PortalFailureKind.TimedOut
        : PortalFailureKind.Failed;
  return new PortalFailure(kind, `portal CheckPolicy failed: ${code}: ${error.details || error.message}`, { cause: error });
}
