import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';
import type { ExecutionContext, Type } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { PeerCertificate } from 'node:tls';
import { Role } from '../../../src/access/role.enum';
import type { RpcCallRecorder, RpcOutcome } from '../../../src/grpc/rpc-call.recorder';
import { AnyVerifiedCaller, Audited, RequiresRole } from '../../../src/grpc/rpc-access.decorator';
import { ServerStreaming } from '../../../src/grpc/server-streaming.decorator';
import { anAgentConfig, configServiceFor } from './agent-config.builder';
import { CallerResolver } from '../../../src/grpc/caller-resolver.service';

export const NOTIFY_CONNECT_PATH = '/agent.v1.VPNAgentService/NotifyConnect';

/** Common names the fake client certificates carry, and the role each is granted. */
export const CALLERS = {
  admin: 'portal-admin',
  operator: 'portal-operator',
  reader: 'monitoring',
  stranger: 'stranger',
} as const;

/** The parts of a grpc-js server call the agent reads: deadline, peer, path, cancellation, client certificate. */
export class FakeGrpcCall extends EventEmitter {
  cancelled = false;

  constructor(
    private readonly options: { deadline?: Date | number; path?: string; peer?: string; commonName?: string } = {},
  ) {
    super();
  }

  getDeadline(): Date | number {
    return this.options.deadline ?? Infinity;
  }

  getPeer(): string {
    return this.options.peer ?? 'ipv4:192.0.2.10:51000';
  }

  getPath(): string {
    return this.options.path ?? NOTIFY_CONNECT_PATH;
  }

  getAuthContext(): { sslPeerCertificate?: PeerCertificate } {
    const cn = this.options.commonName;
    return cn === undefined ? {} : { sslPeerCertificate: { subject: { CN: cn }, subjectaltname: '' } as unknown as PeerCertificate };
  }

  /** What grpc-js does when the client cancels or its deadline fires. */
  cancelByClient(): void {
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
  }

  asServerCall(): ServerSurfaceCall {
    return this as unknown as ServerSurfaceCall;
  }
}

/** A server-streaming call: a writable whose writes grpc-js has taken (`finish`) only when the test says so. */
export class FakeStreamCall extends FakeGrpcCall {
  destroyed = false;
  writableFinished = false;

  write(): boolean {
    return true;
  }

  /** Every written message reached HTTP/2 after the handler ended. */
  deliverAll(): void {
    this.writableFinished = true;
    this.emit('finish');
  }
}

/** Handlers decorated the way the real controllers are. */
export class FakeVpnController {
  @RequiresRole(Role.Operator)
  @Audited((request: { username?: string; session_id?: string }) => `user=${request.username} session=${request.session_id}`)
  notifyConnect(): void {}

  @RequiresRole(Role.Reader)
  getActiveSessions(): void {}

  @AnyVerifiedCaller()
  check(): void {}

  @RequiresRole(Role.Reader)
  @ServerStreaming()
  streamLogs(): void {}

  /** A handler someone forgot to give a role. */
  undeclared(): void {}

  /** A role chosen by the request, as UpdateConfig does (MAIN: admin, else operator). */
  @RequiresRole((request: { config_type?: string }) => (request.config_type === 'CONFIG_TYPE_MAIN' ? Role.Admin : Role.Operator))
  updateConfig(): void {}
}

export type FakeHandlerName = 'notifyConnect' | 'getActiveSessions' | 'check' | 'streamLogs' | 'undeclared' | 'updateConfig';

/** The ExecutionContext Nest builds for a gRPC handler: args are (request, metadata, call). */
export function aGrpcExecutionContext(
  call: FakeGrpcCall,
  handler: FakeHandlerName = 'notifyConnect',
  request: unknown = { username: 'alice', session_id: 'sess-alice-1' },
): ExecutionContext {
  const args = [request, {}, call];
  return {
    getArgByIndex: (index: number) => args[index],
    getArgs: () => args,
    getHandler: () => FakeVpnController.prototype[handler],
    getClass: () => FakeVpnController as Type<unknown>,
    getType: () => 'rpc',
  } as unknown as ExecutionContext;
}

/** A real CallerResolver with TLS on and the CALLERS granted their roles. */
export function aCallerResolver(): CallerResolver {
  const config = anAgentConfig({
    grpc: {
      insecure: false,
      access: {
        identities: { [CALLERS.admin]: Role.Admin, [CALLERS.operator]: Role.Operator, [CALLERS.reader]: Role.Reader },
      },
    },
  });
  return new CallerResolver(configServiceFor(config));
}

/** An RpcCallRecorder that only remembers what it was asked to record. */
export function aRecordingRecorder(): RpcCallRecorder & { record: jest.Mock<void, [RpcOutcome]> } {
  return { record: jest.fn<void, [RpcOutcome]>() } as unknown as RpcCallRecorder & { record: jest.Mock<void, [RpcOutcome]> };
}
