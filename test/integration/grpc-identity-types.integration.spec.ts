import { status as GrpcStatus } from '@grpc/grpc-js';
import { Role } from '../../src/access/role.enum';
import { connectAgent, GrpcError, mtlsCredentials } from '../support/agent-clients';
import type { CertPair } from '../support/test-pki';
import { startTestAgent, TestAgent } from '../support/test-agent';

/*
 * Which part of a real client certificate a grpc.access.identities name matches,
 * over real mTLS. An untyped name is the subject's single CN or a DNS/IP SAN; a
 * CA that lets someone put that text into an email or URI SAN, or add a second
 * CN, must not hand them the role.
 */
describe('gRPC roles by certificate name type', () => {
  let sut: TestAgent;
  let session = 0;

  beforeAll(async () => {
    sut = await startTestAgent({
      grpc: {
        access: {
          identities: {
            'portal.example.com': Role.Operator,
            'uri:spiffe://example.org/portal': Role.Operator,
            'ip:2001:db8::7': Role.Operator,
          },
        },
      },
    });
  });

  afterAll(async () => {
    await sut.stop();
  });

  /** NotifyConnect needs operator: it answers for a granted certificate and is refused for any other. */
  async function notifyConnectAs(pair: CertPair): Promise<{ allowed: boolean } | GrpcError> {
    const client = connectAgent(sut.agent.grpcPort, mtlsCredentials(sut.pki, pair));
    session += 1;
    try {
      return await client
        .unary<{ allowed: boolean }>(client.vpn, 'NotifyConnect', { username: `typed${session}`, client_ip: '192.0.2.9', session_id: `typed${session}` })
        .catch((error: GrpcError) => error);
    } finally {
      client.close();
    }
  }

  function expectNoRole(outcome: { allowed: boolean } | GrpcError): void {
    expect((outcome as GrpcError).code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect((outcome as GrpcError).details).toContain('has role "none"');
  }

  it.each([
    ['an email SAN', () => sut.pki.client('mallory-email', ['email:portal.example.com'])],
    ['a URI SAN', () => sut.pki.client('mallory-uri', ['URI:portal.example.com'])],
    ['two CNs, the listed one first', () => sut.pki.clientWithSubject('/CN=portal.example.com/CN=mallory')],
    ['two CNs, the listed one last', () => sut.pki.clientWithSubject('/CN=mallory/CN=portal.example.com')],
    ['a DNS SAN naming the URI identity', () => sut.pki.client('mallory-dns', ['DNS:spiffe://example.org/portal'])],
  ])('gives no role to a certificate carrying the name in %s', async (_name, certificate) => {
    expectNoRole(await notifyConnectAs(certificate()));
  });

  it.each([
    ['the single CN', () => sut.pki.client('portal.example.com')],
    ['a DNS SAN', () => sut.pki.client('portal-8', ['DNS:portal.example.com'])],
    ['a URI SAN listed as uri:', () => sut.pki.client('portal-9', ['URI:spiffe://example.org/portal'])],
    ['an IPv6 SAN listed as ip: in short form', () => sut.pki.client('portal-10', ['IP:2001:db8:0::7'])],
  ])('grants the role by %s', async (_name, certificate) => {
    await expect(notifyConnectAs(certificate())).resolves.toMatchObject({ allowed: true });
  });
});
