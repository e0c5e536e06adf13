import { status as GrpcStatus } from '@grpc/grpc-js';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Writable } from 'node:stream';
import { finalize, fromEvent, Observable, take, takeUntil, tap, throwError, catchError } from 'rxjs';
import { Clock } from '../clock/clock';
import { auditDetailOf } from './audit-detail';
import { auditTargetOf } from './audit-target';
import { CallerResolver } from './caller-resolver.service';
import { grpcCallOf, grpcMethodOf, msUntilDeadline } from './grpc-call';
import { grpcStatusName } from './grpc-status.map';
import { GrpcWireError } from './grpc-wire-error';
import { RpcCallRecorder } from './rpc-call.recorder';
import { SERVER_STREAMING_KEY } from './server-streaming.decorator';

type ServerStreamCall = ReturnType<typeof grpcCallOf> & Writable;

/**
 * Wraps every admitted gRPC call:
 * - a call whose deadline already passed or that was cancelled does no work;
 * - when the caller cancels (or its deadline fires) mid-call, the handler's
 *   observable is unsubscribed, which stops streams and any work built on it;
 * - every error leaves as a GrpcWireError (never a plain Error, which grpc-js
 *   would send as UNKNOWN);
 * - exactly one log line (and audit line for mutating RPCs) when the call ends.
 */
@Injectable()
export class GrpcCallInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly callers: CallerResolver,
    private readonly recorder: RpcCallRecorder,
    private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const startedAt = performance.now();
    const call = grpcCallOf(context);
    const method = grpcMethodOf(context);
    const caller = this.callers.resolve(call);
    const auditTarget = auditTargetOf(context, this.reflector);
    const streaming = this.reflector.get<boolean | undefined>(SERVER_STREAMING_KEY, context.getHandler()) === true;
    let failure: GrpcWireError | undefined;

    let recorded = false;
    const finish = (): void => {
      if (recorded) return;
      recorded = true;
      this.recorder.record({
        method,
        caller,
        code: failure === undefined ? 'OK' : grpcStatusName(failure.code),
        durationMs: performance.now() - startedAt,
        details: failure?.details,
        auditTarget,
        auditDetail: auditTarget === undefined ? undefined : auditDetailOf(call),
      });
    };

    const refusal = this.refusalBeforeStart(call);
    if (refusal !== undefined) {
      failure = refusal;
      finish();
      return throwError(() => refusal);
    }

    const callerGone$ = fromEvent(call, 'cancelled').pipe(
      take(1),
      tap(() => {
        failure ??= this.cancellationError(call);
      }),
    );

    // Nest's stream writer may unsubscribe on 'cancelled' before callerGone$ hears it;
    // ending without complete or error can only mean the caller went away.
    let settled = false;
    return next.handle().pipe(
      takeUntil(callerGone$),
      tap({ complete: () => (settled = true) }),
      catchError((error: unknown) => {
        settled = true;
        const wireError = GrpcWireError.from(error);
        failure ??= wireError;
        return throwError(() => wireError);
      }),
      finalize(() => {
        if (!settled) {
          failure ??= this.cancellationError(call);
        }
        if (failure === undefined && streaming) {
          this.finishOnceDelivered(call as ServerStreamCall, finish, (error) => (failure ??= error));
        } else {
          finish();
        }
      }),
    );
  }

  /**
   * A server stream's source can complete while entries still wait in grpc-js
   * for a client that stopped reading; the call succeeded only if they reach
   * HTTP/2 ('finish': every write done) before the client goes away.
   */
  private finishOnceDelivered(call: ServerStreamCall, finish: () => void, fail: (error: GrpcWireError) => void): void {
    const cancelled = (): void => {
      fail(this.cancellationError(call));
      finish();
    };
    if (call.cancelled || call.destroyed) {
      cancelled();
      return;
    }
    call.once('finish', finish);
    call.once('cancelled', cancelled);
    call.once('close', () => (call.writableFinished ? finish() : cancelled()));
  }

  private refusalBeforeStart(call: ReturnType<typeof grpcCallOf>): GrpcWireError | undefined {
    if (msUntilDeadline(call, this.clock.nowMs()) <= 0) {
      return GrpcWireError.of(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded before the agent started the call');
    }
    if (call.cancelled) {
      return GrpcWireError.of(GrpcStatus.CANCELLED, 'call cancelled by the client before it started');
    }
    return undefined;
  }

  private cancellationError(call: ReturnType<typeof grpcCallOf>): GrpcWireError {
    return msUntilDeadline(call, this.clock.nowMs()) <= 0
      ? GrpcWireError.of(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded while the call was running')
      : GrpcWireError.of(GrpcStatus.CANCELLED, 'call cancelled by the client');
  }
}
