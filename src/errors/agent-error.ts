import { AgentErrorCode } from './agent-error-code.enum';

/**
 * The one error type domain code throws. `message` is written for the caller
 * (an operator or the portal) and must not contain secrets or stack traces.
 */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentError';
  }

  static invalidArgument(message: string): AgentError {
    return new AgentError(AgentErrorCode.InvalidArgument, message);
  }

  static notFound(message: string): AgentError {
    return new AgentError(AgentErrorCode.NotFound, message);
  }

  static failedPrecondition(message: string): AgentError {
    return new AgentError(AgentErrorCode.FailedPrecondition, message);
  }

  static permissionDenied(message: string): AgentError {
    return new AgentError(AgentErrorCode.PermissionDenied, message);
  }

  static resourceExhausted(message: string): AgentError {
    return new AgentError(AgentErrorCode.ResourceExhausted, message);
  }

  static unavailable(message: string, options?: { cause?: unknown }): AgentError {
    return new AgentError(AgentErrorCode.Unavailable, message, options);
  }

  static notImplemented(message: string): AgentError {
    return new AgentError(AgentErrorCode.NotImplemented, message);
  }
}
