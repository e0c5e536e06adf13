import { Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Clock } from '../clock/clock';
import type { ValidateSessionRequest, ValidateSessionResponse } from '../generated/vpn/v1/auth';
import { portalCallFailure } from './portal-call-failure';
import { toSessionVerdict, toValidateSessionRequest } from './portal-wire.mapper';
import { SessionValidator, type SessionQuery, type SessionVerdict } from './session-validator';

type ValidateSessionMethod = (
  request: ValidateSessionRequest,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response?: ValidateSessionResponse) => void,
) => void;

/** AuthService.ValidateSession over the portal channel (PortalAuthConnection), one deadline per call. */
export class GrpcSessionValidator extends SessionValidator {
  private readonly validateSession: ValidateSessionMethod;

  constructor(
    client: Client,
    private readonly clock: Clock,
  ) {
    super();
    this.validateSession = (client as unknown as { ValidateSession: ValidateSessionMethod }).ValidateSession.bind(client);
  }

  validate(query: SessionQuery, timeoutMs: number): Promise<SessionVerdict> {
    const request = toValidateSessionRequest(query, this.clock.nowMs());
    return new Promise<SessionVerdict>((resolve, reject) => {
      this.validateSession(request, new Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => {
        if (error !== null) {
          reject(portalCallFailure('ValidateSession', error));
          return;
        }
        resolve(toSessionVerdict(response));
      });
    });
  }
}
