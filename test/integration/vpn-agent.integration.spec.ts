import { status as GrpcStatus } from '@grpc/grpc-js';
import type {
  GetActiveSessionsResponse,
  NotifyConnectRequest,
  NotifyConnectResponse,
  NotifyDisconnectResponse,
} from '../../src/generated/agent/v1/agent';
import type { AgentClients, GrpcError } from '../support/agent-clients';
import { startTestAgent, TestAgent, TEST_IDENTITIES } from '../support/test-agent';

/** VPNAgentService through a real grpc-js client over mTLS against the real app. */
describe('VPNAgentService', () => {
  let sut: TestAgent;
  let operator: AgentClients;
  let sequence = 0;

  const connectRequest = (overrides: Partial<NotifyConnectRequest> = {}): Partial<NotifyConnectRequest> => {
    sequence += 1;
    return {
      username: `user${sequence}`,
      client_ip: '198.51.100.10',
      vpn_ip: '10.10.0.10',
      session_id: `s${sequence}`,
      device_id: 'vpns0',
      metadata: { user_agent: 'OpenConnect-GUI 1.5.3 v9.12' },
      ...overrides,
    };
  };

  const connect = (request: Partial<NotifyConnectRequest>) => operator.unary<NotifyConnectResponse>(operator.vpn, 'NotifyConnect', request);
  const sessions = (usernameFilter = '', includeStats = false) =>
    operator.unary<GetActiveSessionsResponse>(operator.vpn, 'GetActiveSessions', { username_filter: usernameFilter, include_stats: includeStats });
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);

  beforeAll(async () => {
    sut = await startTestAgent();
    operator = sut.clientAs(TEST_IDENTITIES.operator);
  });

  afterAll(async () => {
    await sut.stop();
  });

  it('answers NotifyConnect with the configured decision, routes and DNS', async () => {
    const response = await connect(connectRequest());
    expect(response).toEqual({
      allowed: true,
      should_disconnect: false,
      deny_reason: '',
      routes: ['10.10.0.0/16'],
      dns_servers: ['10.10.0.53'],
      config_params: {},
    });
  });

  it('records the connected session with what the notification said', async () => {
    const request = connectRequest({ username: 'carol', connect_time: { seconds: 1_700_000_000, nanos: 500_000_000 } });
    await connect(request);
    const { sessions: carol, total_count } = await sessions('carol');
    expect(total_count).toBe(1);
    expect(carol).toEqual([
      {
        session_id: request.session_id,
        username: 'carol',
        client_ip: '198.51.100.10',
        vpn_ip: '10.10.0.10',
        connected_at: { seconds: 1_700_000_000, nanos: 500_000_000 },
        bytes_in: 0,
        bytes_out: 0,
        device_id: 'vpns0',
        metadata: { user_agent: 'OpenConnect-GUI 1.5.3 v9.12' },
      },
    ]);
  });

  it('filters by username and counts what it returns', async () => {
    await connect(connectRequest({ username: 'dave' }));
    await connect(connectRequest({ username: 'dave' }));
    await connect(connectRequest({ username: 'erin' }));
    const dave = await sessions('dave');
    expect(dave.total_count).toBe(2);
    expect(dave.sessions.map((session) => session.username)).toEqual(['dave', 'dave']);
    const everyone = await sessions();
    expect(everyone.total_count).toBe(everyone.sessions.length);
    expect(everyone.total_count).toBeGreaterThanOrEqual(3);
  });

  it('treats a repeated NotifyConnect for the same session as one session', async () => {
    const request = connectRequest({ username: 'frank' });
    await connect(request);
    await connect(request);
    expect((await sessions('frank')).total_count).toBe(1);
  });

  it('removes the session on NotifyDisconnect and acknowledges', async () => {
    const request = connectRequest({ username: 'grace' });
    await connect(request);
    const ack = await operator.unary<NotifyDisconnectResponse>(operator.vpn, 'NotifyDisconnect', {
      username: 'grace',
      session_id: request.session_id,
      disconnect_reason: 'user request',
      bytes_in: 100,
      bytes_out: 200,
      duration_seconds: 30,
    });
    expect(ack).toEqual({ acknowledged: true, message: `session ${request.session_id} removed` });
    expect((await sessions('grace')).total_count).toBe(0);
  });

  it('acknowledges a disconnect for a session it never saw', async () => {
    const ack = await operator.unary<NotifyDisconnectResponse>(operator.vpn, 'NotifyDisconnect', { username: 'heidi', session_id: 'never-seen' });
    expect(ack.acknowledged).toBe(true);
    expect(ack.message).toContain('was not tracked');
  });

  it('refuses a disconnect that names the wrong user and keeps the session', async () => {
    const request = connectRequest({ username: 'ivan' });
    await connect(request);
    const error = await rejection(
      operator.unary(operator.vpn, 'NotifyDisconnect', { username: 'judy', session_id: request.session_id }),
    );
    expect(error?.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect((await sessions('ivan')).total_count).toBe(1);
  });

  it.each([
    ['an empty username', { username: '' }, 'username is required'],
    ['a username with a space', { username: 'bad user' }, 'username must be'],
    ['a flag-like username', { username: '--help' }, 'username must be'],
    ['a shell-like username', { username: 'a;$(reboot)' }, 'username must be'],
    ['a 10 KB username', { username: 'a'.repeat(10_240) }, 'username must be'],
    ['a client_ip that is not an IP', { client_ip: '300.1.1.1' }, 'client_ip must be an IPv4 or IPv6 address'],
    ['a client_ip with a prefix', { client_ip: '10.0.0.0/8' }, 'client_ip must be'],
    ['a vpn_ip that is a hostname', { vpn_ip: 'localhost' }, 'vpn_ip must be'],
    ['a missing session_id', { session_id: '' }, 'session_id is required'],
    ['a session_id with a newline', { session_id: 'a\nb' }, 'session_id must be'],
    ['a device_id with a slash path', { device_id: '../../etc' }, 'device_id must be'],
    ['40 metadata entries', { metadata: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata has 40 entries'],
    ['a connect_time in the future', { connect_time: { seconds: Math.floor(Date.now() / 1000) + 3600, nanos: 0 } }, 'connect_time'],
  ])('refuses %s with INVALID_ARGUMENT naming the field, and records nothing', async (_name, overrides, message) => {
    const before = (await sessions()).total_count;
    const error = await rejection(connect(connectRequest(overrides as Partial<NotifyConnectRequest>)));
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toContain(message);
    expect((await sessions()).total_count).toBe(before);
  });

  it('refuses an unsafe username_filter', async () => {
    const error = await rejection(sessions('../etc/passwd'));
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toContain('username_filter');
  });

  it('answers UpdateUserRoutes into a missing config dir with FAILED_PRECONDITION naming it', async () => {
    const error = await rejection(operator.unary(operator.vpn, 'UpdateUserRoutes', { username: 'alice', routes: ['10.0.0.0/8'] }));
    expect(error?.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error?.details).toContain('/nonexistent/ocserv-agent-test/config-per-user');
  });
});
