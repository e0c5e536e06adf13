import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ChannelOptions } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { GrpcOptions, ServerGrpc } from '@nestjs/microservices';

export interface AgentGrpcServerOptions {
  /** Nest's gRPC options: protos, packages, loader. */
  readonly grpc: GrpcOptions['options'];
  readonly url: string;
  readonly credentials: ServerCredentials;
  readonly channelOptions: ChannelOptions;
  /** How long close() lets in-flight calls finish before cancelling them. */
  readonly shutdownTimeoutMs: number;
}

/**
 * Nest's gRPC transport with two changes the agent needs:
 * - it remembers the port it bound (so tests and logs can use `:0`);
 * - close() is graceful with a bound: stop accepting, let in-flight calls
 *   finish for up to shutdownTimeoutMs, then cancel the rest. Nest's own
 *   gracefulShutdown waits forever, which a stuck call would turn into a hang.
 */
export class AgentGrpcServer extends ServerGrpc {
  private readonly serverLogger = new Logger('AgentGrpcServer');
  private boundPort: number | undefined;

  constructor(private readonly serverOptions: AgentGrpcServerOptions) {
    super({ ...serverOptions.grpc, url: serverOptions.url, credentials: serverOptions.credentials });
  }

  /** The TCP port the server listens on; defined once listen() has bound it. */
  get port(): number | undefined {
    return this.boundPort;
  }

  override async createClient(): Promise<Server> {
    const server = new Server(this.serverOptions.channelOptions);
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(this.serverOptions.url, this.serverOptions.credentials, (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
    return server;
  }

  override async close(): Promise<void> {
    const server = this.grpcClient as Server | null;
    if (server === null || server === undefined) {
      return;
    }
    this.grpcClient = null as unknown as Server;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.serverLogger.warn({
          msg: 'in-flight gRPC calls did not finish within the shutdown timeout; cancelling them',
          shutdown_timeout_ms: this.serverOptions.shutdownTimeoutMs,
        });
        server.forceShutdown();
        resolve();
      }, this.serverOptions.shutdownTimeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
