import { status as GrpcStatus } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { AgentError } from '../errors/agent-error';
import { grpcStatusFor } from './grpc-status.map';

/**
 * An error in the shape grpc-js sends as a status: an integer `code` and a
 * `details` string. Anything that is not an AgentError becomes INTERNAL with a
 * reference id and no stack trace; the stack goes to the log under that id.
 */
export class GrpcWireError {
  private constructor(
    readonly code: GrpcStatus,
    readonly details: string,
    /** Set for INTERNAL: the id under which the cause was logged. */
    readonly reference?: string,
    readonly cause?: unknown,
  ) {}

  /** grpc-js reads `details`, falling back to `message`; both say the same. */
  get message(): string {
    return this.details;
  }

  static from(error: unknown): GrpcWireError {
    if (error instanceof GrpcWireError) {
      return error;
    }
    if (error instanceof AgentError) {
      return new GrpcWireError(grpcStatusFor(error.code), error.message);
    }
    const reference = randomBytes(6).toString('hex');
    return new GrpcWireError(GrpcStatus.INTERNAL, `internal error in the agent (reference ${reference})`, reference, error);
  }

  static of(code: GrpcStatus, details: string): GrpcWireError {
    return new GrpcWireError(code, details);
  }
}
