import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Role, roleSatisfies } from '../access/role.enum';
import { AgentError } from '../errors/agent-error';
import { auditTargetOf } from './audit-target';
import { CallerResolver } from './caller-resolver.service';
import { grpcCallOf, grpcMethodOf, grpcRequestOf } from './grpc-call';
import { REQUIRED_ROLE_KEY, type RoleOfRequest } from './rpc-access.decorator';
import { RpcCallRecorder } from './rpc-call.recorder';

/**
 * Refuses a call whose caller's role is below the handler's @RequiresRole, and
 * any handler that declares no role at all (a forgotten decorator must not open
 * an RPC to everyone). A refused call never reaches the interceptor, so its log
 * and audit lines are written here.
 */
@Injectable()
export class RpcRoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly callers: CallerResolver,
    private readonly recorder: RpcCallRecorder,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const startedAt = performance.now();
    const required = requiredRole(this.reflector.get<Role | RoleOfRequest | undefined>(REQUIRED_ROLE_KEY, context.getHandler()), context);
    const caller = this.callers.resolve(grpcCallOf(context));
    if (required !== undefined && roleSatisfies(caller.role, required)) {
      return true;
    }
    const method = grpcMethodOf(context);
    const error =
      required === undefined
        ? AgentError.permissionDenied(`${method} declares no required role and is refused`)
        : AgentError.permissionDenied(
            `${method} requires role "${required}"; caller "${caller.identity.display}" has role "${caller.role}"`,
          );
    this.recorder.record({
      method,
      caller,
      code: 'PERMISSION_DENIED',
      durationMs: performance.now() - startedAt,
      details: error.message,
      auditTarget: auditTargetOf(context, this.reflector),
    });
    throw error;
  }
}

/** A role that depends on the request is the highest one when the request cannot be read: fail closed. */
function requiredRole(declared: Role | RoleOfRequest | undefined, context: ExecutionContext): Role | undefined {
  if (typeof declared !== 'function') return declared;
  try {
    return declared((grpcRequestOf(context) ?? {}) as never);
  } catch {
    return Role.Admin;
  }
}
