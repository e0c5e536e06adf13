import { status as GrpcStatus } from '@grpc/grpc-js';
import type { GetActiveSessionsResponse, DisconnectUserResponse, HealthCheckResponse } from '../../../src/generated/agent/v1/agent';
import { OcctlEventStream } from '../../../src/occtl/occtl-event.stream';
import type { OcctlEvent } from '../../../src/occtl/occtl-records';
import { OcservSessionSync } from '../../../src/session/ocserv-session-sync.service';
import { AgentClients, GrpcError } from '../../support/agent-clients';
import { eventually, startLabAgent } from '../../support/ocserv-lab/lab-agent';
import { OcservLab, VpnClient } from '../../support/ocserv-lab/ocserv-lab';
import { TEST_IDENTITIES, TestAgent } from '../../support/test-agent';

/*
 * The portal's view (gRPC over mTLS) of a real ocserv with real openconnect
 * clients: live sessions, DisconnectUser, tiered health, ocserv going away and
 * coming back.
 */
const ALICE = { username: 'alice', password: 'alice-pw' };
const BOB = { username: 'bob', password: 'bob-pw', group: 'devs' };
const DAVE = { username: 'dave', password: 'dave-pw' };
const RECONCILE_INTERVAL_SECONDS = 2;

interface OcctlJsonUser {
  ID: number;
  Username: string;
  'Remote IP': string;
  IPv4: string;
  Device: string;
}

jest.setTimeout(30_000);

describe('VPNAgentService against a real ocserv', () => {
  let lab: OcservLab;
  let agent: TestAgent;
  let operator: AgentClients;
  let clients: VpnClient[] = [];

  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);
  const sessions = (filter = '', includeStats = true) =>
    operator.unary<GetActiveSessionsResponse>(operator.vpn, 'GetActiveSessions', { username_filter: filter, include_stats: includeStats });
  /** What occtl itself reports (the lab's own occtl call; 1.1.6's duplicate "Routes" key is harmless to JSON.parse). */
  const occtlUsers = (): OcctlJsonUser[] => JSON.parse(lab.occtl(['-j', 'show', 'users']).stdout) as OcctlJsonUser[];
  const sameAsOcctl = async () => {
    const live = occtlUsers();
    const served = (await sessions()).sessions;
    return { live, served, equal: live.length === served.length && live.every((u) => served.some((s) => s.session_id === String(u.ID))) };
  };

  beforeAll(async () => {
    lab = await OcservLab.start({ users: [ALICE, BOB, DAVE] });
    agent = await startLabAgent(lab, { session: { reconcile_interval_seconds: RECONCILE_INTERVAL_SECONDS } });
    operator = agent.clientAs(TEST_IDENTITIES.operator);
    clients = [await lab.connect(ALICE), await lab.connect(BOB, { userAgent: 'bob-client/1.0' }), await lab.connect(BOB)];
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
  });

  it('GetActiveSessions equals what `occtl -j show users` reports', async () => {
    const { live, served, equal } = await eventually(sameAsOcctl, (result) => result.equal && result.live.length === 3);
    expect(equal).toBe(true);
    for (const user of live) {
      const session = served.find((s) => s.session_id === String(user.ID));
      expect(session).toMatchObject({
        username: user.Username,
        client_ip: user['Remote IP'],
        vpn_ip: user.IPv4,
        device_id: user.Device,
      });
      expect(session?.connected_at?.seconds).toBeGreaterThan(Date.now() / 1000 - 300);
    }
    const bobSessions = served.filter((s) => s.username === 'bob');
    expect(bobSessions.map((s) => s.metadata.group)).toEqual(['devs', 'devs']);
    expect(bobSessions.map((s) => s.metadata.user_agent)).toContain('bob-client/1.0');
  });

  it('rebuilds the store from ocserv after an agent restart', async () => {
    const second = await startLabAgent(lab);
    try {
      const client = second.clientAs(TEST_IDENTITIES.reader);
      const response = await eventually(
        () => client.unary<GetActiveSessionsResponse>(client.vpn, 'GetActiveSessions', {}),
        (r) => r.total_count === occtlUsers().length,
      );
      expect(response.sessions.map((s) => s.session_id).sort()).toEqual(occtlUsers().map((u) => String(u.ID)).sort());
    } finally {
      await second.stop();
    }
  });

  it('DisconnectUser without disconnect_all_sessions drops only the newest session', async () => {
    const before = occtlUsers().filter((u) => u.Username === 'bob');
    expect(before).toHaveLength(2);
    const newestId = Math.max(...before.map((u) => u.ID));
    const response = await operator.unary<DisconnectUserResponse>(operator.vpn, 'DisconnectUser', {
      username: 'bob',
      reason: 'test: newest only',
      disconnect_all_sessions: false,
    });
    expect(response).toMatchObject({ success: true, sessions_disconnected: 1 });
    const ids = await eventually(
      () => occtlUsers().map((u) => u.ID),
      (list) => !list.includes(newestId),
    );
    expect(ids).not.toContain(newestId);
    expect(ids).toEqual(expect.arrayContaining(before.filter((u) => u.ID !== newestId).map((u) => u.ID)));
    expect((await sessions('bob')).sessions.map((s) => s.session_id)).not.toContain(String(newestId));
  });

  it('DisconnectUser of a connected user drops every session and returns the real count', async () => {
    const dave = await lab.connect(DAVE);
    clients.push(dave);
    await eventually(() => sessions('dave'), (r) => r.total_count === 1);
    const daveIds = occtlUsers().filter((u) => u.Username === 'dave').map((u) => u.ID);
    const response = await operator.unary<DisconnectUserResponse>(operator.vpn, 'DisconnectUser', {
      username: 'dave',
      reason: 'test',
      disconnect_all_sessions: true,
    });
    expect(response).toMatchObject({ success: true, sessions_disconnected: daveIds.length, error_message: '' });
    // openconnect keeps a valid cookie and reconnects as a new session: the old ones are gone.
    const after = await eventually(
      () => occtlUsers().map((u) => u.ID),
      (list) => daveIds.every((id) => !list.includes(id)),
    );
    daveIds.forEach((id) => expect(after).not.toContain(id));
    const served = (await sessions('dave')).sessions.map((s) => Number(s.session_id));
    daveIds.forEach((id) => expect(served).not.toContain(id));
    const audit = agent.logs.where((line) => line.msg === 'audit' && line.method === '/agent.v1.VPNAgentService/DisconnectUser');
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });

  it('DisconnectUser of a user without sessions is NOT_FOUND', async () => {
    const error = await rejection(operator.unary(operator.vpn, 'DisconnectUser', { username: 'nobody', disconnect_all_sessions: true }));
    expect(error?.code).toBe(GrpcStatus.NOT_FOUND);
    expect(error?.details).toContain('nobody');
  });

  it('HealthCheck tier 3 is healthy with ocserv up and the config dirs writable', async () => {
    const reader = agent.clientAs(TEST_IDENTITIES.reader);
    const response = await reader.unary<HealthCheckResponse>(reader.agent, 'HealthCheck', { tier: 3 });
    expect(response.healthy).toBe(true);
    expect(Object.keys(response.checks).sort()).toEqual(['agent', 'config_per_group_dir', 'config_per_user_dir', 'ocserv']);
    expect(response.checks.ocserv).toMatch(/^ok: online, pid \d+/);
  });

  describe('when ocserv stops and starts again', () => {
    it('fails calls with UNAVAILABLE naming the socket while health keeps answering', async () => {
      await lab.stopServer();
      const error = await rejection(operator.unary(operator.vpn, 'DisconnectUser', { username: 'alice', disconnect_all_sessions: true }));
      expect(error?.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(error?.details).toContain(lab.occtlSocket);
      expect(error?.details).toContain('ocserv is not answering');

      // The session list is ocserv's: while ocserv cannot be asked, it is not served stale.
      // The event stream ends with ocserv, which starts a reconciliation at once (no interval wait).
      const listing = await eventually(() => rejection(sessions()), (e) => e !== undefined, 1000);
      expect(listing?.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(listing?.details).toContain('cannot list sessions: ocserv is not answering');

      const reader = agent.clientAs(TEST_IDENTITIES.reader);
      const tier1 = await reader.unary<HealthCheckResponse>(reader.agent, 'HealthCheck', { tier: 1 });
      expect(tier1.healthy).toBe(true);
      // Health checks share one occtl run per second, so the outage shows within a second.
      const tier2 = await eventually(
        () => reader.unary<HealthCheckResponse>(reader.agent, 'HealthCheck', { tier: 2 }),
        (response) => !response.healthy,
        2000,
      );
      expect(tier2.healthy).toBe(false);
      expect(tier2.checks.ocserv).toMatch(/^fail: ocserv is not answering/);
    });

    it('reconciles the store within one interval after ocserv is back, and the event stream resumes', async () => {
      const sync = agent.agent.app.get(OcservSessionSync);
      await eventually(() => sync.syncState.reachable, (reachable) => !reachable, RECONCILE_INTERVAL_SECONDS * 1000 + 2000);
      await lab.startServer();
      const restartedAt = Date.now();
      // Clients of the old instance died with it; the store must drop them and take the new one.
      const fresh = await lab.connect(ALICE);
      clients.push(fresh);
      const result = await eventually(sameAsOcctl, (r) => r.equal && r.live.length === 1, RECONCILE_INTERVAL_SECONDS * 1000 + 3000);
      expect(result.equal).toBe(true);
      expect(Date.now() - restartedAt).toBeLessThan(RECONCILE_INTERVAL_SECONDS * 1000 + 3000);
      expect(sync.syncState.status?.serverPid).toBe(lab.serverPid);
      expect(agent.logs.where((entry) => entry.msg === 'ocserv restarted')).toHaveLength(1);
      const metrics = await (await fetch(`http://127.0.0.1:${agent.agent.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/^ocserv_agent_ocserv_up 1$/m);
      expect(metrics).toMatch(/^ocserv_agent_ocserv_restarts_total 1$/m);
      expect(metrics).toMatch(/^ocserv_agent_session_reconciliations_total\{outcome="unreachable"\} [1-9]/m);
      expect(metrics).toMatch(/^ocserv_agent_occtl_commands_total\{command="show users",outcome="ok"\} [1-9]/m);

      // A connect after the restart arrives through the resumed event stream.
      const seen: OcctlEvent[] = [];
      const subscription = agent.agent.app.get(OcctlEventStream).events$.subscribe((event) => seen.push(event));
      try {
        const dave = await lab.connect(DAVE);
        clients.push(dave);
        const event = await eventually(() => seen.find((e) => e.kind === 'connect' && e.username === 'dave'), (e) => e !== undefined);
        expect(event?.vpnIp).toBe(dave.vpnIp);
        const served = await eventually(() => sessions('dave'), (r) => r.sessions.some((s) => s.vpn_ip === dave.vpnIp));
        expect(served.sessions.map((s) => s.session_id)).toContain(String(event?.id));
      } finally {
        subscription.unsubscribe();
      }
    });
  });
});
