import { status as GrpcStatus } from '@grpc/grpc-js';
import { AgentError } from '../../../src/errors/agent-error';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { grpcStatusFor } from '../../../src/grpc/grpc-status.map';
import { GrpcWireError } from '../../../src/grpc/grpc-wire-error';

describe(GrpcWireError.name, () => {
  it('maps every domain error code to a gRPC status other than UNKNOWN and OK', () => {
    for (const code of Object.values(AgentErrorCode)) {
      const status = grpcStatusFor(code);
      expect(status).not.toBe(GrpcStatus.UNKNOWN);
      expect(status).not.toBe(GrpcStatus.OK);
    }
  });

  it('keeps the code and message of an AgentError', () => {
    const sut = GrpcWireError.from(AgentError.invalidArgument('username is required'));
    expect(sut.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(sut.details).toBe('username is required');
    expect(sut.reference).toBeUndefined();
  });

  it('turns a plain Error into INTERNAL with a reference and without the message or stack', () => {
    const cause = new Error('ENOENT /etc/secret at Object.<anonymous> (/srv/x.js:1:1)');
    const sut = GrpcWireError.from(cause);
    expect(sut.code).toBe(GrpcStatus.INTERNAL);
    expect(sut.reference).toMatch(/^[0-9a-f]{12}$/);
    expect(sut.details).toBe(`internal error in the agent (reference ${sut.reference})`);
    expect(sut.details).not.toContain('ENOENT');
    expect(sut.cause).toBe(cause);
  });

  it('passes an already mapped error through unchanged', () => {
    const mapped = GrpcWireError.of(GrpcStatus.CANCELLED, 'gone');
    expect(GrpcWireError.from(mapped)).toBe(mapped);
  });
});
