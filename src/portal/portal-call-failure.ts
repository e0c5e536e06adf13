import { status, type ServiceError } from '@grpc/grpc-js';
import { PortalFailure, PortalFailureKind } from './portal-failure';

export type PortalRpc = 'CheckPolicy' | 'ValidateSession' | 'ReportConnect' | 'ReportDisconnect' | 'ReportSessionUpdate';

/** A failed portal call (AuthService, EventService) as the agent words it: UNAVAILABLE is unreachable, DEADLINE_EXCEEDED timed out, the rest failed. */
export function portalCallFailure(method: PortalRpc, error: ServiceError): PortalFailure {
  const code = status[error.code] ?? String(error.code);
  const kind =
    error.code === status.UNAVAILABLE
      ? PortalFailureKind.Unreachable
      : error.code === status.DEADLINE_EXCEEDED
        ? PortalFailureKind.TimedOut
        : PortalFailureKind.Failed;
  return new PortalFailure(kind, `portal ${method} failed: ${code}: ${error.details || error.message}`, { cause: error });
}
