import { status as GrpcStatus, credentials } from '@grpc/grpc-js';
import { Role } from '../../src/access/role.enum';
import { connectAgent, GrpcError, mtlsCredentials } from '../support/agent-clients';
import { startTestAgent, TestAgent, TEST_IDENTITIES } from '../support/test-agent';

/** The gRPC API over real TLS: who gets in, and with which role. */
describe('gRPC API over mutual TLS', () => {
  let sut: TestAgent;

  beforeAll(async () => {
    sut = await startTestAgent({
      grpc: { access: { identities: { 'portal.example.com': Role.Operator } } },
    });
  });

  afterAll(async () => {
    await sut.stop();
  });

  const listSessions = { username_filter: '', include_stats: false };

  it.each([
    ['without a certificate', () => mtlsCredentials(sut.pki)],
    ['whose certificate comes from another CA', () => mtlsCredentials(sut.pki, sut.pki.foreignClient(TEST_IDENTITIES.admin))],
    ['speaking plain text', () => credentials.createInsecure()],
  ])('refuses the handshake of a client %s: no RPC runs', async (_name, clientCredentials) => {
    const client = connectAgent(sut.agent.grpcPort, clientCredentials());
    try {
      const error = await client.unary(client.vpn, 'GetActiveSessions', listSessions, { deadlineMs: 3000 }).catch((e: GrpcError) => e);
      expect((error as GrpcError).code).toBe(GrpcStatus.UNAVAILABLE);
    } finally {
      client.close();
    }
    expect(sut.logs.where((line) => line.msg === 'rpc' && line.caller === 'anonymous')).toEqual([]);
  });

  it('lets a reader list sessions', async () => {
    const reader = sut.clientAs(TEST_IDENTITIES.reader);
    await expect(reader.unary(reader.vpn, 'GetActiveSessions', listSessions)).resolves.toMatchObject({ total_count: 0 });
  });

  it('refuses NotifyConnect from a reader with PERMISSION_DENIED naming the required role', async () => {
    const reader = sut.clientAs(TEST_IDENTITIES.reader);
    const error = (await reader
      .unary(reader.vpn, 'NotifyConnect', { username: 'alice', client_ip: '192.0.2.1', session_id: 'r1' })
      .catch((e: GrpcError) => e)) as GrpcError;
    expect(error.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(error.details).toContain('requires role "operator"');
    expect(error.details).toContain('has role "reader"');
  });

  it('gives a verified certificate that no config entry names no role at all', async () => {
    const stranger = sut.clientAs(TEST_IDENTITIES.stranger);
    const error = (await stranger.unary(stranger.vpn, 'GetActiveSessions', listSessions).catch((e: GrpcError) => e)) as GrpcError;
    expect(error.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(error.details).toContain('has role "none"');
  });

  it('grants a role by subjectAltName when the CN is unknown', async () => {
    const client = connectAgent(
      sut.agent.grpcPort,
      mtlsCredentials(sut.pki, sut.pki.client('portal-7', ['DNS:portal.example.com'])),
    );
    try {
      const response = await client.unary<{ allowed: boolean }>(client.vpn, 'NotifyConnect', {
        username: 'san-user',
        client_ip: '192.0.2.7',
        session_id: 'san1',
      });
      expect(response.allowed).toBe(true);
    } finally {
      client.close();
    }
  });

  it('reserves ExecuteCommand for admins', async () => {
    const operator = sut.clientAs(TEST_IDENTITIES.operator);
    const error = (await operator
      .unary(operator.agent, 'ExecuteCommand', { command_type: 'show status', args: [] })
      .catch((e: GrpcError) => e)) as GrpcError;
    expect(error.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(error.details).toContain('requires role "admin"');
  });

  it('writes one audit line for a refused mutating call, naming caller, method, target and outcome', async () => {
    const reader = sut.clientAs(TEST_IDENTITIES.reader);
    await reader
      .unary(reader.vpn, 'NotifyDisconnect', { username: 'mallory', session_id: 'audit-1' })
      .catch(() => undefined);
    const audit = sut.logs.where((line) => line.audit === true && line.target === 'user=mallory session=audit-1');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      caller: TEST_IDENTITIES.reader,
      method: '/agent.v1.VPNAgentService/NotifyDisconnect',
      outcome: 'permission_denied',
    });
  });
});
