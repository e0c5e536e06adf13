import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';

/**
 * The HTTP/2 session (one TLS connection) a call arrived on, reached through
 * grpc-js internals: ServerUnaryCallImpl.call -> ServerInterceptingCall.nextCall*
 * -> BaseServerInterceptingCall.stream.session. Returns undefined when the shape
 * differs (another grpc-js version), so callers must keep a slow path.
 */
export function http2SessionOf(call: ServerSurfaceCall): object | undefined {
  let node: unknown = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && node !== null && typeof node === 'object'; depth += 1) {
    const stream = (node as { stream?: { session?: unknown } }).stream;
    if (stream !== undefined) {
      const session = stream.session;
      return session !== null && typeof session === 'object' ? session : undefined;
    }
    node = (node as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}
