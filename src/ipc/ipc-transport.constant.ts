/**
 * The IPC transport's id. Handlers declared with `@MessagePattern(op, IPC_TRANSPORT)` bind
 * only to the IpcServer: Nest's ListenersController skips a handler whose transport differs
 * from a server's transportId, so the gRPC server (Transport.GRPC) never sees them, and the
 * IpcServer never sees the @GrpcMethod handlers.
 */
export const IPC_TRANSPORT: unique symbol = Symbol('ocserv-agent-ipc');
