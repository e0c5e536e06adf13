import { CallerResolver } from '../../src/grpc/caller-resolver.service';
import { startTestAgent, TestAgent, TEST_IDENTITIES } from '../support/test-agent';

/** The per-connection identity cache must never hand one connection's role to another. */
describe(CallerResolver.name, () => {
  let sut: TestAgent;

  beforeAll(async () => {
    sut = await startTestAgent();
  });

  afterAll(async () => {
    await sut.stop();
  });

  it('keeps roles apart for connections that alternate calls', async () => {
    const reader = sut.clientAs(TEST_IDENTITIES.reader);
    const admin = sut.clientAs(TEST_IDENTITIES.admin);
    for (let round = 0; round < 5; round += 1) {
      await reader.unary(reader.vpn, 'GetActiveSessions', {});
      await admin.unary(admin.vpn, 'NotifyConnect', { username: `alt${round}`, client_ip: '192.0.2.4', session_id: `alt${round}` });
      const refused = await reader
        .unary(reader.vpn, 'NotifyConnect', { username: `r${round}`, client_ip: '192.0.2.4', session_id: `r${round}` })
        .then(() => 'allowed', () => 'refused');
      expect(refused).toBe('refused');
    }
    const lines = sut.logs.where((line) => line.msg === 'rpc' && line.method === '/agent.v1.VPNAgentService/NotifyConnect');
    const rolesByCaller = new Map(lines.map((line) => [line.caller, line.role]));
    expect(rolesByCaller.get(TEST_IDENTITIES.reader)).toBe('reader');
    expect(rolesByCaller.get(TEST_IDENTITIES.admin)).toBe('admin');
  });

  it('finds the HTTP/2 session behind a real call (the cache is in use)', async () => {
    const { http2SessionOf } = await import('../../src/grpc/http2-session-of');
    const seen: Array<object | undefined> = [];
    const resolver = sut.agent.app.get(CallerResolver);
    const original = resolver.resolve.bind(resolver);
    const spy = jest.spyOn(resolver, 'resolve').mockImplementation((call) => {
      seen.push(http2SessionOf(call));
      return original(call);
    });
    const reader = sut.clientAs(TEST_IDENTITIES.reader);
    await reader.unary(reader.vpn, 'GetActiveSessions', {});
    await reader.unary(reader.vpn, 'GetActiveSessions', {});
    spy.mockRestore();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toBeDefined();
    expect(seen.every((session) => session === seen[0])).toBe(true);
  });
});
