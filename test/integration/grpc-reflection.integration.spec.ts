import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import { mtlsCredentials } from '../support/agent-clients';
import { startTestAgent, TestAgent, TEST_IDENTITIES } from '../support/test-agent';

const REFLECTION_PROTO = join(
  __dirname, '..', '..', 'node_modules', '@grpc', 'reflection', 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto',
);

/** Asks the server which services it has, the way grpcurl does. */
function listServices(sut: TestAgent): Promise<string[]> {
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync(REFLECTION_PROTO, { keepCase: true })) as any;
  const client = new definition.grpc.reflection.v1.ServerReflection(
    `127.0.0.1:${sut.agent.grpcPort}`,
    mtlsCredentials(sut.pki, sut.pki.client(TEST_IDENTITIES.reader)),
    { 'grpc.ssl_target_name_override': 'localhost' },
  );
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (response: { list_services_response?: { service: { name: string }[] } }) => {
      resolve((response.list_services_response?.service ?? []).map((service) => service.name));
      call.end();
    });
    call.on('error', reject);
    call.on('end', () => client.close());
    call.write({ list_services: '' });
  });
}

describe('gRPC server reflection', () => {
  it('lists the served services when grpc.reflection is on', async () => {
    const sut = await startTestAgent({ grpc: { reflection: true } });
    try {
      expect(await listServices(sut)).toEqual(
        expect.arrayContaining(['agent.v1.AgentService', 'agent.v1.VPNAgentService', 'grpc.health.v1.Health']),
      );
    } finally {
      await sut.stop();
    }
  });

  it('is not served by default', async () => {
    const sut = await startTestAgent();
    try {
      const error = (await listServices(sut).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      await sut.stop();
    }
  });
});
