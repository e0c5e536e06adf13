import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';
import type { ExecutionContext } from '@nestjs/common';

/** Nest hands gRPC handlers (request, metadata, call); the call carries peer, deadline and cancellation. */
export function grpcCallOf(context: ExecutionContext): ServerSurfaceCall {
  return context.getArgByIndex<ServerSurfaceCall>(2);
}

export function grpcRequestOf(context: ExecutionContext): unknown {
  return context.getArgByIndex<unknown>(0);
}

/** `/agent.v1.VPNAgentService/NotifyConnect`, or Class.method if the call does not say. */
export function grpcMethodOf(context: ExecutionContext): string {
  const call = grpcCallOf(context);
  const path = typeof call?.getPath === 'function' ? call.getPath() : '';
  return path !== '' ? path : `${context.getClass().name}.${context.getHandler().name}`;
}

/** Milliseconds until the caller's deadline; Infinity when it set none. */
export function msUntilDeadline(call: ServerSurfaceCall, nowMs: number): number {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  return deadlineMs - nowMs;
}
