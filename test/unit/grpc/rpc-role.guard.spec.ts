import { Reflector } from '@nestjs/core';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { RpcRoleGuard } from '../../../src/grpc/rpc-role.guard';
import { agentErrorFrom } from '../builders/caught-error';
import { aCallerResolver, aGrpcExecutionContext, aRecordingRecorder, CALLERS, FakeGrpcCall, NOTIFY_CONNECT_PATH } from '../builders/grpc-call.fake';

describe(RpcRoleGuard.name, () => {
  let recorder: ReturnType<typeof aRecordingRecorder>;
  let sut: RpcRoleGuard;

  beforeEach(() => {
    recorder = aRecordingRecorder();
    sut = new RpcRoleGuard(new Reflector(), aCallerResolver(), recorder);
  });

  function callAs(commonName: string): FakeGrpcCall {
    return new FakeGrpcCall({ commonName });
  }

  it('lets in a caller whose role is exactly the required one, without recording', () => {
    expect(sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.operator), 'notifyConnect'))).toBe(true);
    expect(recorder.record).not.toHaveBeenCalled();
  });

  it('lets in a caller whose role is above the required one', () => {
    expect(sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.admin), 'getActiveSessions'))).toBe(true);
  });

  it('refuses a lower role with PERMISSION_DENIED naming the required role and the caller’s role', () => {
    const error = agentErrorFrom(() => sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.reader), 'notifyConnect')));

    expect(error.code).toBe(AgentErrorCode.PermissionDenied);
    expect(error.message).toBe(`${NOTIFY_CONNECT_PATH} requires role "operator"; caller "monitoring" has role "reader"`);
  });

  it('refuses a caller without a granted role', () => {
    const error = agentErrorFrom(() => sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.stranger), 'getActiveSessions')));

    expect(error.message).toContain('caller "stranger" has role "none"');
  });

  it('refuses an anonymous caller', () => {
    const error = agentErrorFrom(() => sut.canActivate(aGrpcExecutionContext(new FakeGrpcCall(), 'getActiveSessions')));

    expect(error.message).toContain('caller "anonymous" has role "none"');
  });

  it('lets a caller without a role use an @AnyVerifiedCaller handler', () => {
    expect(sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.stranger), 'check'))).toBe(true);
  });

  it('refuses even an admin on a handler that declares no role', () => {
    const error = agentErrorFrom(() => sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.admin), 'undeclared')));

    expect(error.code).toBe(AgentErrorCode.PermissionDenied);
    expect(error.message).toBe(`${NOTIFY_CONNECT_PATH} declares no required role and is refused`);
  });

  it('records a refused call once as PERMISSION_DENIED, with its audit target', () => {
    agentErrorFrom(() => sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.reader), 'notifyConnect')));

    expect(recorder.record).toHaveBeenCalledTimes(1);
    expect(recorder.record.mock.calls[0]?.[0]).toMatchObject({
      method: NOTIFY_CONNECT_PATH,
      caller: { role: 'reader', identity: { display: CALLERS.reader } },
      code: 'PERMISSION_DENIED',
      details: `${NOTIFY_CONNECT_PATH} requires role "operator"; caller "monitoring" has role "reader"`,
      auditTarget: 'user=alice session=sess-alice-1',
    });
  });

  it('records a call refused for a missing role declaration once', () => {
    agentErrorFrom(() => sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.admin), 'undeclared')));

    expect(recorder.record).toHaveBeenCalledTimes(1);
    expect(recorder.record.mock.calls[0]?.[0].code).toBe('PERMISSION_DENIED');
  });

  describe('a role that depends on the request', () => {
    it('lets an operator change a per-user file', () => {
      const context = aGrpcExecutionContext(callAs(CALLERS.operator), 'updateConfig', { config_type: 'CONFIG_TYPE_PER_USER' });

      expect(sut.canActivate(context)).toBe(true);
    });

    it('refuses an operator the main config, naming admin', () => {
      const context = aGrpcExecutionContext(callAs(CALLERS.operator), 'updateConfig', { config_type: 'CONFIG_TYPE_MAIN' });

      expect(agentErrorFrom(() => sut.canActivate(context)).message).toContain('requires role "admin"');
    });

    it('lets an admin change the main config', () => {
      expect(sut.canActivate(aGrpcExecutionContext(callAs(CALLERS.admin), 'updateConfig', { config_type: 'CONFIG_TYPE_MAIN' }))).toBe(true);
    });

    it('requires admin when the request cannot be read (fail closed)', () => {
      const unreadable = Object.defineProperty({}, 'config_type', {
        get: () => {
          throw new Error('unreadable');
        },
      });
      const context = aGrpcExecutionContext(callAs(CALLERS.operator), 'updateConfig', unreadable);

      expect(agentErrorFrom(() => sut.canActivate(context)).message).toContain('requires role "admin"');
    });
  });
});
