import { Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Clock } from '../clock/clock';
import type { CheckPolicyRequest, CheckPolicyResponse } from '../generated/vpn/v1/auth';
import { PolicyChecker, type PolicyQuery, type PolicyVerdict } from './policy-checker';
import { portalCallFailure } from './portal-call-failure';
import { toCheckPolicyRequest, toPolicyVerdict } from './portal-wire.mapper';

type CheckPolicyMethod = (
  request: CheckPolicyRequest,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: CheckPolicyResponse) => void,
) => void;

/**
 * AuthService.CheckPolicy over the portal channel, one deadline per call. The channel
 * (and keeping it connected) belongs to PortalAuthConnection, shared with ValidateSession.
 */
export class GrpcPolicyChecker extends PolicyChecker {
  private readonly checkPolicy: CheckPolicyMethod;

  constructor(
    client: Client,
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
          reject(portalCallFailure('CheckPolicy', error));
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
}
