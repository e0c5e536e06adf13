import { ServerCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { readFileSync } from 'node:fs';
import type { GrpcConfig } from '../config/agent-config.schema';
import { AgentGrpcServer } from './agent-grpc.server';
import { withGeneratedResponseEncoders } from './generated-encoders';
import { PROTO_LOADER_OPTIONS, SERVED_PACKAGES, SERVED_PROTOS } from './proto-files.constant';

/** Builds the gRPC transport from validated config: mTLS unless `insecure`, reflection when enabled. */
export function createAgentGrpcServer(config: GrpcConfig): AgentGrpcServer {
  return new AgentGrpcServer({
    url: config.listen,
    credentials: serverCredentials(config),
    channelOptions: {
      'grpc.max_receive_message_length': config.max_receive_message_bytes,
    },
    shutdownTimeoutMs: config.shutdown_timeout_ms,
    grpc: {
      package: [...SERVED_PACKAGES],
      packageDefinition: withGeneratedResponseEncoders(loadSync([...SERVED_PROTOS], PROTO_LOADER_OPTIONS)),
      onLoadPackageDefinition: config.reflection
        ? (definition: ConstructorParameters<typeof ReflectionService>[0], server: Parameters<ReflectionService['addToServer']>[0]) =>
            new ReflectionService(definition).addToServer(server)
        : undefined,
    },
  });
}

function serverCredentials(config: GrpcConfig): ServerCredentials {
  if (config.insecure) {
    return ServerCredentials.createInsecure();
  }
  const { tls } = config;
  return ServerCredentials.createSsl(
    readFileSync(tls.client_ca_file),
    [{ cert_chain: readFileSync(tls.cert_file), private_key: readFileSync(tls.key_file) }],
    // Client certificates are required and verified against client_ca_file.
    true,
  );
}
