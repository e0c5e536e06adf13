import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, SERVED_PROTOS } from '../../src/grpc/proto-files.constant';
import type { CertPair, TestPki } from './test-pki';

/*
 * Real grpc-js clients for the agent's services, loaded from the same .proto
 * files and loader options as the server. Each AgentClients gets its own
 * connection (local subchannel pool), like separate portal instances would.
 */

export type GrpcClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => grpc.Client;

let cachedDefinition: grpc.GrpcObject | undefined;

function loadDefinition(): grpc.GrpcObject {
  cachedDefinition ??= grpc.loadPackageDefinition(protoLoader.loadSync([...SERVED_PROTOS], PROTO_LOADER_OPTIONS));
  return cachedDefinition;
}

/** The client class at `path` ("agent.v1.AgentService") in a loaded package definition. */
export function serviceConstructor(path: string, definition: grpc.GrpcObject): GrpcClientConstructor {
  let node: unknown = definition;
  for (const part of path.split('.')) {
    node = (node as Record<string, unknown>)[part];
  }
  return node as GrpcClientConstructor;
}

export interface CallOptions {
  /** Milliseconds from now. */
  deadlineMs?: number;
}

export type GrpcError = grpc.ServiceError;

export class AgentClients {
  readonly vpn: grpc.Client;
  readonly agent: grpc.Client;
  readonly health: grpc.Client;
  /** vpn.v1.ConfigService, served by the agent. */
  readonly config: grpc.Client;

  /** `definition`: the loaded services; the bench passes one whose responses stay raw bytes. */
  constructor(
    address: string,
    credentials: grpc.ChannelCredentials,
    options: grpc.ClientOptions = {},
    definition: grpc.GrpcObject = loadDefinition(),
  ) {
    const channelOptions: grpc.ClientOptions = {
      'grpc.use_local_subchannel_pool': 1,
      // The test server certificate names localhost; SNI must not be an IP (RFC 6066).
      'grpc.ssl_target_name_override': 'localhost',
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      ...options,
    };
    this.vpn = new (serviceConstructor('agent.v1.VPNAgentService', definition))(address, credentials, channelOptions);
    const channelOverride = this.vpn.getChannel();
    this.agent = new (serviceConstructor('agent.v1.AgentService', definition))(address, credentials, { ...channelOptions, channelOverride });
    this.health = new (serviceConstructor('grpc.health.v1.Health', definition))(address, credentials, { ...channelOptions, channelOverride });
    this.config = new (serviceConstructor('vpn.v1.ConfigService', definition))(address, credentials, { ...channelOptions, channelOverride });
  }

  /** One unary call; rejects with the grpc-js ServiceError (code, details). */
  unary<TResponse>(client: grpc.Client, method: string, request: object, options: CallOptions = {}): Promise<TResponse> {
    return unaryCall<TResponse>(client, method, request, options);
  }

  /** Reads a server stream to its end (or error). */
  serverStream<TResponse>(client: grpc.Client, method: string, request: object): Promise<TResponse[]> {
    return new Promise<TResponse[]>((resolve, reject) => {
      const fn = (client as unknown as Record<string, Function>)[method] as (r: object) => grpc.ClientReadableStream<TResponse>;
      const stream = fn.call(client, request);
      const received: TResponse[] = [];
      stream.on('data', (message: TResponse) => received.push(message));
      stream.on('error', reject);
      stream.on('end', () => resolve(received));
    });
  }

  waitForReady(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) =>
      this.vpn.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): void {
    this.health.close();
    this.config.close();
    this.agent.close();
    this.vpn.close();
  }
}

export function mtlsCredentials(pki: TestPki, client?: CertPair): grpc.ChannelCredentials {
  return client === undefined
    ? grpc.credentials.createSsl(pki.ca)
    : grpc.credentials.createSsl(pki.ca, client.key, client.cert);
}

export function connectAgent(
  port: number,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
  definition?: grpc.GrpcObject,
): AgentClients {
  return new AgentClients(`127.0.0.1:${port}`, credentials, options, definition);
}

/** One unary call on any grpc-js client by method name; rejects with the grpc-js ServiceError. */
export function unaryCall<TResponse>(client: grpc.Client, method: string, request: object, options: CallOptions = {}): Promise<TResponse> {
  const callOptions: grpc.CallOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
  return new Promise<TResponse>((resolve, reject) => {
    const fn = (client as unknown as Record<string, Function>)[method];
    if (typeof fn !== 'function') {
      reject(new Error(`no method ${method}`));
      return;
    }
    fn.call(client, request, new grpc.Metadata(), callOptions, (error: grpc.ServiceError | null, response: TResponse) =>
      error ? reject(error) : resolve(response),
    );
  });
}
