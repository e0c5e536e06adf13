import { status, type ServiceError } from '@grpc/grpc-js';
import { PortalFailure, PortalFailureKind } from './portal-failure';

/** A grpc-js error from a portal call, as the agent's PortalFailure (UNAVAILABLE: Unreachable, DEADLINE_EXCEEDED: TimedOut). */
export function portalFailureOf(error: ServiceError, rpc: string): PortalFailure {
  const code = status[error.code] ?? String(error.code);
  const kind =
    error.code === status.UNAVAILABLE
      ? PortalFailureKind.Unreachable
      : error.code === status.DEADLINE_EXCEEDED
        ? PortalFailureKind.TimedOut
        : PortalFailureKind.Failed;
  return new PortalFailure(kind, `portal ${rpc} failed: ${code}: ${error.details || error.message}`, { cause: error });
}
