/**
 * Every failure the agent reports carries one of these codes. Each transport maps
 * them once (gRPC: grpc/grpc-status.map.ts); nothing else decides a wire status.
 */
export enum AgentErrorCode {
  /** The request is malformed or a value is unsafe; nothing was changed. */
  InvalidArgument = 'INVALID_ARGUMENT',
  /** The thing named by the request does not exist. */
  NotFound = 'NOT_FOUND',
  /** The request is well-formed but the current state does not allow it. */
  FailedPrecondition = 'FAILED_PRECONDITION',
  /** The caller's role is below what the operation needs. */
  PermissionDenied = 'PERMISSION_DENIED',
  /** A configured bound (e.g. the session store's maximum size) is reached. */
  ResourceExhausted = 'RESOURCE_EXHAUSTED',
  /** A dependency (ocserv, the portal) cannot be reached right now; retrying may help. */
  Unavailable = 'UNAVAILABLE',
  /** The caller's deadline passed before the work could be done. */
  DeadlineExceeded = 'DEADLINE_EXCEEDED',
  /** The caller went away; the work was stopped. */
  Cancelled = 'CANCELLED',
  /** The operation exists in the contract but this version does not provide it yet. */
  NotImplemented = 'NOT_IMPLEMENTED',
  /** A bug or an unexpected failure inside the agent. Details stay in the log. */
  Internal = 'INTERNAL',
}
