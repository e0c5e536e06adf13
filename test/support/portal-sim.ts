import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTO_LOADER_OPTIONS } from '../../src/grpc/proto-files.constant';
import type { Policy } from '../../src/policy/policy';
import { parsePolicyYaml } from '../../src/policy/policy-file.loader';
import { PORTAL_PROTO_FILES } from '../../src/portal-simulator/portal-protos.constant';
import { PortalSimulator, type PortalSimulatorOptions } from '../../src/portal-simulator/portal-simulator';
import { serviceConstructor, unaryCall, type GrpcClientConstructor } from './agent-clients';
import type { CertPair, TestPki } from './test-pki';
import { createTestPki } from './test-pki';

/*
 * The portal simulator for tests: started over mTLS with a throwaway PKI, plus
 * real grpc-js clients for vpn.v1 AuthService and EventService. The simulator
 * presents the PKI's server certificate (CN ocserv-agent, SAN localhost and
 * 127.0.0.1): any serverAuth certificate from the CA the agent trusts will do.
 */

let cachedDefinition: grpc.GrpcObject | undefined;

function portalServiceConstructor(path: string): GrpcClientConstructor {
  cachedDefinition ??= grpc.loadPackageDefinition(protoLoader.loadSync([...PORTAL_PROTO_FILES], PROTO_LOADER_OPTIONS));
  return serviceConstructor(path, cachedDefinition);
}

export type GrpcError = grpc.ServiceError;

/** What the agent's side of the portal connection looks like: one channel, both services. */
export class PortalClients {
  readonly auth: grpc.Client;
  readonly events: grpc.Client;

  constructor(address: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions = {}) {
    const channelOptions: grpc.ClientOptions = {
      'grpc.use_local_subchannel_pool': 1,
      // The test certificate names localhost; SNI must not be an IP (RFC 6066).
      'grpc.ssl_target_name_override': 'localhost',
      ...options,
    };
    this.auth = new (portalServiceConstructor('vpn.v1.AuthService'))(address, credentials, channelOptions);
    this.events = new (portalServiceConstructor('vpn.v1.EventService'))(address, credentials, {
      ...channelOptions,
      channelOverride: this.auth.getChannel(),
    });
  }

  /** One unary call; rejects with the grpc-js ServiceError. `deadlineMs` is from now. */
  unary<TResponse = Record<string, unknown>>(
    client: grpc.Client,
    method: string,
    request: object,
    options: { deadlineMs?: number } = {},
  ): Promise<TResponse> {
    return unaryCall<TResponse>(client, method, request, options);
  }

  checkPolicy(request: { username: string; groupname?: string; session_id?: string }, deadlineMs = 5000): Promise<CheckPolicyAnswer> {
    return this.unary<CheckPolicyAnswer>(this.auth, 'CheckPolicy', request, { deadlineMs });
  }

  close(): void {
    this.events.close();
    this.auth.close();
  }
}

export interface CheckPolicyAnswer {
  allowed: boolean;
  deny_reason: string;
  routes: string[];
  dns_servers: string[];
  should_disconnect: boolean;
}

/** The settled rejection of `promise` as a ServiceError; fails the test if it resolves. */
export async function grpcErrorFrom(promise: Promise<unknown>): Promise<GrpcError> {
  try {
    await promise;
  } catch (error) {
    return error as GrpcError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export interface TestPortal {
  readonly simulator: PortalSimulator;
  readonly pki: TestPki;
  /** A client presenting a certificate with this CN from the trusted CA. */
  clientAs(commonName: string, options?: grpc.ClientOptions): PortalClients;
  /** A client with the given credentials (no certificate, a foreign CA, plain text ...). */
  clientWith(credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions): PortalClients;
  /** Closes every client, stops the simulator and removes the PKI directory. */
  stop(): Promise<void>;
}

export const TEST_POLICY_YAML = [
  'default: { allow: false, deny_reason: "not in policy" }',
  'users:',
  '  alice: { allow: true, routes: ["10.10.0.0/16"], dns_servers: ["10.10.0.53"] }',
  '  bob: { allow: false, deny_reason: "account suspended" }',
  'groups:',
  '  staff: { allow: true, routes: ["10.20.0.0/16"] }',
  '',
].join('\n');

export function testPolicy(yaml: string = TEST_POLICY_YAML): Policy {
  return parsePolicyYaml(yaml, '(test policy)');
}

/** Starts the simulator over mTLS with a fresh PKI (or `pki`, e.g. shared with a test agent). */
export async function startPortalSimulator(
  policy: Policy = testPolicy(),
  options: Partial<Omit<PortalSimulatorOptions, 'policy' | 'policyFile' | 'tls'>> & { pki?: TestPki } = {},
): Promise<TestPortal> {
  const dir = options.pki === undefined ? mkdtempSync(join(tmpdir(), 'ocserv-agent-portal-')) : undefined;
  const pki = options.pki ?? createTestPki(dir as string);
  const { pki: _pki, ...simulatorOptions } = options;
  const simulator = await PortalSimulator.start({
    ...simulatorOptions,
    policy,
    tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.caFile },
  });
  const clients: PortalClients[] = [];
  const track = (client: PortalClients): PortalClients => {
    clients.push(client);
    return client;
  };
  return {
    simulator,
    pki,
    clientAs: (commonName, clientOptions) =>
      track(new PortalClients(simulator.address, portalCredentials(pki, pki.client(commonName)), clientOptions)),
    clientWith: (credentials, clientOptions) => track(new PortalClients(simulator.address, credentials, clientOptions)),
    async stop() {
      clients.forEach((client) => client.close());
      await simulator.stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function portalCredentials(pki: TestPki, client?: CertPair): grpc.ChannelCredentials {
  return client === undefined ? grpc.credentials.createSsl(pki.ca) : grpc.credentials.createSsl(pki.ca, client.key, client.cert);
}

/**
 * The agent's `portal.tls` for a simulator whose certificates come from `pki`: the agent's
 * client certificate, the CA, and SNI `localhost` (the test server certificate names
 * localhost; SNI cannot be an IP address).
 */
export function agentPortalTls(pki: TestPki): { cert_file: string; key_file: string; ca_file: string; server_name: string } {
  const client = pki.client('ocserv-agent-portal-client');
  return { cert_file: client.certFile, key_file: client.keyFile, ca_file: pki.caFile, server_name: 'localhost' };
}
