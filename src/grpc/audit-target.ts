import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { AUDIT_TARGET_KEY } from './rpc-access.decorator';
import { grpcRequestOf } from './grpc-call';

/** Audit lines must stay readable even when the request carries a 10 KB "username". */
const AUDIT_TARGET_MAX_LENGTH = 200;

/** The audit target of an @Audited handler's request; undefined for handlers that are not audited. */
export function auditTargetOf(context: ExecutionContext, reflector: Reflector): string | undefined {
  const targetOf = reflector.get<((request: unknown) => string) | undefined>(AUDIT_TARGET_KEY, context.getHandler());
  if (targetOf === undefined) {
    return undefined;
  }
  let target: string;
  try {
    target = targetOf(grpcRequestOf(context) ?? {});
  } catch {
    target = '(unreadable request)';
  }
  return target.length > AUDIT_TARGET_MAX_LENGTH ? `${target.slice(0, AUDIT_TARGET_MAX_LENGTH)}…` : target;
}
