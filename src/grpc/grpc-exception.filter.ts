import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { GrpcWireError } from './grpc-wire-error';

/**
 * Last line of defence on the gRPC edge: whatever was thrown (by the guard, the
 * interceptor or Nest itself) leaves as a gRPC status with a code and a message,
 * never as UNKNOWN and never with a stack trace. INTERNAL causes are logged here
 * under the reference id the caller receives.
 */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger(GrpcExceptionFilter.name);

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    const wireError = GrpcWireError.from(exception);
    if (wireError.reference !== undefined) {
      this.logger.error({ msg: 'internal error in gRPC call', reference: wireError.reference, err: wireError.cause });
    }
    return throwError(() => wireError);
  }
}
