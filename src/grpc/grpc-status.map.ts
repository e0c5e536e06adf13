import { status as GrpcStatus } from '@grpc/grpc-js';
import { AgentErrorCode } from '../errors/agent-error-code.enum';

/** The one table from domain error code to gRPC status. */
export function grpcStatusFor(code: AgentErrorCode): GrpcStatus {
  switch (code) {
    case AgentErrorCode.InvalidArgument:
      return GrpcStatus.INVALID_ARGUMENT;
    case AgentErrorCode.NotFound:
      return GrpcStatus.NOT_FOUND;
    case AgentErrorCode.FailedPrecondition:
      return GrpcStatus.FAILED_PRECONDITION;
    case AgentErrorCode.PermissionDenied:
      return GrpcStatus.PERMISSION_DENIED;
    case AgentErrorCode.ResourceExhausted:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case AgentErrorCode.Unavailable:
      return GrpcStatus.UNAVAILABLE;
    case AgentErrorCode.DeadlineExceeded:
      return GrpcStatus.DEADLINE_EXCEEDED;
    case AgentErrorCode.Cancelled:
      return GrpcStatus.CANCELLED;
    case AgentErrorCode.NotImplemented:
      return GrpcStatus.UNIMPLEMENTED;
    case AgentErrorCode.Internal:
      return GrpcStatus.INTERNAL;
  }
}

export function grpcStatusName(code: GrpcStatus): string {
  return GrpcStatus[code] ?? `STATUS_${code}`;
}
