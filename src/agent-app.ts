import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { AddressInfo } from 'node:net';
import { AppModule, AppModuleOptions } from './app.module';
import type { AgentConfig } from './config/agent-config.schema';
import { createAgentGrpcServer } from './grpc/grpc-server.factory';
import { ServingState } from './health/serving-state';
import { createIpcServer } from './ipc/ipc-server.factory';

export interface RunningAgent {
  readonly app: INestApplication;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Stops accepting, lets in-flight calls finish (bounded by grpc.shutdown_timeout_ms), releases everything. */
  close(): Promise<void>;
}

/**
 * Starts the hybrid process: gRPC API (agent.v1 + grpc.health.v1) and the HTTP
 * listener (health, metrics), started together and stopped together. Used by
 * main.ts, the integration tests and the benchmarks, so all run the same wiring.
 */
export async function startAgent(config: AgentConfig, options: AppModuleOptions = {}): Promise<RunningAgent> {
  const app = await NestFactory.create(AppModule.forRoot(config, options), {
    bufferLogs: true,
    abortOnError: false,
    forceCloseConnections: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  try {
    if (config.grpc.insecure) {
      logger.warn({
        msg: 'gRPC API is running WITHOUT TLS (grpc.insecure: true): anyone who can reach the port is treated as role ' +
          `"${config.grpc.access.insecure_role}". Use only on a trusted loopback or in development.`,
        context: 'security',
      });
    }
    const grpcServer = createAgentGrpcServer(config.grpc);
    app.connectMicroservice({ strategy: grpcServer }, { inheritAppConfig: false });
    if (config.ipc.enabled) {
      app.connectMicroservice({ strategy: createIpcServer(app, config) }, { inheritAppConfig: false });
    }
    await app.startAllMicroservices();
    const { host, port } = splitListen(config.http.listen);
    await app.listen(port, host);
    const httpPort = (app.getHttpServer().address() as AddressInfo).port;
    const grpcPort = grpcServer.port ?? 0;
    app.get(ServingState).markServing();
    logger.log({
      msg: 'agent started',
      grpc_listen: `${splitListen(config.grpc.listen).host}:${grpcPort}`,
      http_listen: `${host}:${httpPort}`,
      tls: config.grpc.insecure ? 'off (insecure)' : 'mutual TLS',
      context: 'bootstrap',
    });
    return { app, grpcPort, httpPort, close: () => app.close() };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}

/** "0.0.0.0:9091" -> host and port; "[::1]:0" -> "::1" and 0. Validated by the config schema. */
function splitListen(listen: string): { host: string; port: number } {
  const separator = listen.lastIndexOf(':');
  const host = listen.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(separator + 1)) };
}
