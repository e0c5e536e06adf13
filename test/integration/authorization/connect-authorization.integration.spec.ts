import { VpnClientRefused } from '../../support/ocserv-lab/vpn-client';
import { eventually } from '../../support/ocserv-lab/lab-agent';
import { RIG_USERS, startAuthorizationRig, type AuthorizationRig } from '../../support/authorization-rig';
import { TEST_IDENTITIES } from '../../support/test-agent';
import { decisionCount } from './authorization-metrics';

/*
 * Acceptance, with real parts only: ocserv runs the compiled hook, the hook asks
 * the agent over its Unix socket, the agent asks the portal simulator over mTLS.
 */

jest.setTimeout(60_000);

describe('connection authorization through the hook (real ocserv, hook, agent, portal)', () => {
  let rig: AuthorizationRig;

  beforeAll(async () => {
    rig = await startAuthorizationRig();
    await rig.startAgent();
  });

  afterAll(async () => rig?.stop());

  beforeEach(() => rig.portal.simulator.resetRecords());

  function usersInOcctl(): string[] {
    const { stdout } = rig.lab.occtl(['-j', 'show', 'users']);
    return (JSON.parse(stdout || '[]') as { Username: string }[]).map((entry) => entry.Username);
  }

  function portalCalls(): { username: string; groupname: string; client_ip: string; session_id: string }[] {
    return rig.portal.simulator.calls.map((call) => call.request as never);
  }

  it('lets an allowed user in, refuses a denied one, and the portal saw exactly those two questions', async () => {
    const alice = await rig.lab.connect(RIG_USERS.alice);
    await expect(rig.lab.connect(RIG_USERS.bob)).rejects.toBeInstanceOf(VpnClientRefused);

    expect(alice.vpnIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(usersInOcctl()).toContain('alice');
    expect(usersInOcctl()).not.toContain('bob');
    const calls = portalCalls();
    expect(calls.map((call) => call.username)).toEqual(['alice', 'bob']);
    expect(calls[0]).toMatchObject({ client_ip: '127.0.0.1' });
    expect(calls[0]?.session_id).toMatch(/^\d+$/);
    expect(rig.lab.readLog()).toMatch(/agent denied user bob: account suspended/);
    await alice.stop();
  });

  it('never lists a refused user among the active sessions (ocserv still announces the connect on its event stream)', async () => {
    const reader = rig.agent().clientAs(TEST_IDENTITIES.reader);
    const dave = () => reader.unary<{ sessions: unknown[] }>(reader.vpn, 'GetActiveSessions', { username_filter: 'dave' });

    await expect(rig.lab.connect(RIG_USERS.dave)).rejects.toBeInstanceOf(VpnClientRefused);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // well past the connect event and its `show id`

    expect((await dave()).sessions).toEqual([]);
  });

  it('applies the group entry: carol is allowed as a member of staff, and the portal was told her group', async () => {
    const carol = await rig.lab.connect(RIG_USERS.carol);

    expect(portalCalls()).toEqual([expect.objectContaining({ username: 'carol', groupname: 'staff' })]);
    await carol.stop();
  });

  it('answers a reconnect within the fresh TTL from the cache, without asking the portal', async () => {
    const first = await rig.lab.connect(RIG_USERS.erin);
    await first.stop();
    const cacheHitsBefore = await decisionCount(rig.agent(), 'cache', true);
    rig.portal.simulator.resetRecords();

    const again = await rig.lab.connect(RIG_USERS.erin);

    expect(portalCalls()).toEqual([]);
    expect(await decisionCount(rig.agent(), 'cache', true)).toBe(cacheHitsBefore + 1);
    await again.stop();
  });

  it('asks the portal again when a user comes back after DisconnectUser, even within the fresh TTL', async () => {
    const client = await rig.lab.connect(RIG_USERS.frank);
    const operator = rig.agent().clientAs(TEST_IDENTITIES.operator);

    await operator.unary(operator.vpn, 'DisconnectUser', { username: 'frank', reason: 'policy changed', disconnect_all_sessions: true });
    await client.exited; // ocserv ended the session and openconnect gave up
    rig.portal.simulator.resetRecords();
    const back = await rig.lab.connect(RIG_USERS.frank);

    expect(portalCalls().map((call) => call.username)).toEqual(['frank']);
    await back.stop();
  });

  it('reports the disconnect through the hook: the session leaves the agent store', async () => {
    const client = await rig.lab.connect(RIG_USERS.grace);
    const reader = rig.agent().clientAs(TEST_IDENTITIES.reader);
    const listed = async () =>
      ((await reader.unary(reader.vpn, 'GetActiveSessions', { username_filter: 'grace' })) as { sessions: unknown[] }).sessions.length;
    expect(await eventually(listed, (count) => count === 1)).toBe(1);

    await client.stop();

    expect(await eventually(listed, (count) => count === 0)).toBe(0);
  });

  it('answers NotifyConnect through the same decision path, routes and DNS included', async () => {
    const operator = rig.agent().clientAs(TEST_IDENTITIES.operator);
    const notify = (username: string) =>
      operator.unary<{ allowed: boolean; deny_reason: string; routes: string[]; dns_servers: string[] }>(operator.vpn, 'NotifyConnect', {
        username,
        client_ip: '198.51.100.20',
        session_id: `notify-${username}`,
        metadata: { groupname: 'staff' },
      });

    const judy = await notify('judy');
    const bob = await notify('bob');

    expect(judy).toMatchObject({ allowed: true, routes: ['10.20.0.0/16'] });
    expect(bob).toMatchObject({ allowed: false, deny_reason: 'account suspended', routes: [], dns_servers: [] });
    expect(portalCalls()).toEqual([
      expect.objectContaining({ username: 'judy', groupname: 'staff', client_ip: '198.51.100.20', session_id: 'notify-judy' }),
      expect.objectContaining({ username: 'bob', groupname: 'staff' }),
    ]);
  });
});
