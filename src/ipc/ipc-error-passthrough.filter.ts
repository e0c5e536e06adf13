import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Hands whatever a hook handler threw, unchanged, to the IpcServer, which maps it once
 * (ipc-reply.mapper.ts). Without it Nest's default RPC filter would log every AgentError as
 * an internal error and replace it with "Internal server error".
 */
@Catch()
export class IpcErrorPassthroughFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
