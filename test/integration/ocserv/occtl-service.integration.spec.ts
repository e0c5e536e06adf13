import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { OcctlCapabilities } from '../../../src/occtl/occtl-capabilities';
import { OcctlEventStream } from '../../../src/occtl/occtl-event.stream';
import type { OcctlEvent } from '../../../src/occtl/occtl-records';
import { OcctlService } from '../../../src/occtl/occtl.service';
import { eventually, startLabAgent } from '../../support/ocserv-lab/lab-agent';
import { OcservLab, VpnClient } from '../../support/ocserv-lab/ocserv-lab';
import { OCSERV_VERSIONS, defaultLabVersion } from '../../support/ocserv-lab/ocserv-versions';
import type { TestAgent } from '../../support/test-agent';

/*
 * Every occtl command through the typed service, against a real ocserv (1.1.6,
 * or the version in $OCSERV_LAB_VERSION) with real openconnect sessions (see
 * test/support/ocserv-lab).
 */
const ALICE = { username: 'alice', password: 'alice-pw' };
const BOB = { username: 'bob', password: 'bob-pw', group: 'devs' };
const CAROL = { username: 'carol', password: 'carol-pw' };
const DAVE = { username: 'dave', password: 'dave-pw' };
const VERSION = OCSERV_VERSIONS[defaultLabVersion()];
const withTerminate = VERSION.hasTerminate ? it : it.skip;
const withoutTerminate = VERSION.hasTerminate ? it.skip : it;

jest.setTimeout(30_000);

describe(OcctlService.name, () => {
  let lab: OcservLab;
  let agent: TestAgent;
  let sut: OcctlService;
  let alice: VpnClient;
  let bob: VpnClient;
  const events: OcctlEvent[] = [];

  beforeAll(async () => {
    lab = await OcservLab.start({ users: [ALICE, BOB, CAROL, DAVE] });
    agent = await startLabAgent(lab);
    sut = agent.agent.app.get(OcctlService);
    agent.agent.app.get(OcctlEventStream).events$.subscribe((event) => events.push(event));
    alice = await lab.connect(ALICE);
    bob = await lab.connect(BOB, { userAgent: 'Evil "UA" \\ test' });
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
  });

  const userOf = async (username: string) => (await sut.showUsers()).find((user) => user.username === username);

  it(`detects the installed occtl version and its commands (${VERSION.version}: terminate ${VERSION.hasTerminate ? 'listed' : 'absent'})`, () => {
    const capabilities = agent.agent.app.get(OcctlCapabilities);
    expect(capabilities.version).toBe(VERSION.version);
    expect(capabilities.isSupported('show users')).toBe(true);
    expect(capabilities.isSupported('stop now')).toBe(true);
    expect(capabilities.isSupported('terminate user')).toBe(VERSION.hasTerminate);
  });

  it('show status: online, with the server pid and the active sessions', async () => {
    const status = await sut.showStatus();
    expect(status.status).toBe('online');
    expect(status.serverPid).toBe(lab.serverPid);
    expect(status.activeSessions).toBe(2);
    expect(status.upSinceMs).toBeGreaterThan(Date.now() - 120_000);
  });

  it('show users: each session with user, group, addresses, device and user agent', async () => {
    const users = await sut.showUsers();
    expect(users.map((user) => user.username).sort()).toEqual(['alice', 'bob']);
    const aliceUser = users.find((user) => user.username === 'alice');
    const bobUser = users.find((user) => user.username === 'bob');
    expect(aliceUser).toMatchObject({ groupname: '', remoteIp: '127.0.0.1', ipv4: alice.vpnIp, state: 'connected' });
    expect(aliceUser?.device).toMatch(/^vpns\d+$/);
    expect(bobUser).toMatchObject({ groupname: 'devs', ipv4: bob.vpnIp, userAgent: 'Evil "UA" \\ test' });
    expect(bobUser?.connectedAtMs).toBeGreaterThan(Date.now() - 120_000);
  });

  it('show user NAME and show id ID find the same session', async () => {
    const [byName] = await sut.showUser('alice');
    expect(byName?.ipv4).toBe(alice.vpnIp);
    const byId = await sut.showId(byName?.id ?? 0);
    expect(byId).toMatchObject({ username: 'alice', ipv4: alice.vpnIp });
  });

  it('show user / show id of nobody are empty, not errors', async () => {
    await expect(sut.showUser('nobody')).resolves.toEqual([]);
    await expect(sut.showId(999_999)).resolves.toBeUndefined();
  });

  it('show sessions all / valid and show session SID list the cookie sessions', async () => {
    const all = await sut.showSessions('all');
    const valid = await sut.showSessions('valid');
    expect(all.map((session) => session.username).sort()).toEqual(['alice', 'bob']);
    expect(valid.length).toBeGreaterThanOrEqual(2);
    const aliceSession = all.find((session) => session.username === 'alice');
    const one = await sut.showSession(aliceSession?.session ?? '');
    expect(one).toMatchObject({ username: 'alice', remoteIp: '127.0.0.1', inUse: true });
  });

  it('show iroutes lists every session (1.1.6 prints them without brackets or commas)', async () => {
    const iroutes = await sut.showIroutes();
    expect(iroutes.map((route) => route.username).sort()).toEqual(['alice', 'bob']);
    expect(iroutes.find((route) => route.username === 'bob')?.ip).toBe(bob.vpnIp);
  });

  it('show ip bans / ban points are empty with ban scoring off', async () => {
    await expect(sut.showIpBans()).resolves.toEqual([]);
    await expect(sut.showIpBanPoints()).resolves.toEqual([]);
  });

  it('reload succeeds', async () => {
    const result = await sut.reload();
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('disconnect id removes exactly that session', async () => {
    const carol = await lab.connect(CAROL);
    const before = await eventually(() => userOf('carol'), (user) => user !== undefined);
    const result = await sut.disconnectId(before?.id ?? 0);
    expect(result.ok).toBe(true);
    const ids = await eventually(
      async () => (await sut.showUsers()).map((user) => user.id),
      (list) => !list.includes(before?.id ?? 0),
    );
    expect(ids).not.toContain(before?.id);
    expect((await sut.showUsers()).filter((user) => user.username !== 'carol').map((user) => user.username).sort()).toEqual([
      'alice',
      'bob',
    ]);
    await carol.stop();
  });

  it('disconnect of an unknown user or id is refused by ocserv, not an error', async () => {
    await expect(sut.disconnectUser('nobody')).resolves.toMatchObject({ ok: false, exitCode: 1 });
    await expect(sut.disconnectId(1)).resolves.toMatchObject({ ok: false, exitCode: 1 });
    await expect(sut.unbanIp('10.99.99.99')).resolves.toMatchObject({ ok: false, exitCode: 1 });
  });

  withoutTerminate('terminate is refused as unsupported by an occtl without it (1.1.6, 1.3.0) before anything runs', async () => {
    await expect(sut.terminateUser('alice')).rejects.toMatchObject({ code: AgentErrorCode.FailedPrecondition });
  });

  withTerminate('terminate user ends the session, its client exits and its cookie session is no longer valid (1.5.0)', async () => {
    const dave = await lab.connect(DAVE);
    const session = (await eventually(() => sut.showSessions('valid'), (all) => all.some((s) => s.username === 'dave')))
      .find((candidate) => candidate.username === 'dave')?.session;
    const result = await sut.terminateUser('dave');
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
    expect(result.message).toContain('terminated');
    await expect(dave.exited).resolves.toEqual(expect.any(Number));
    expect(await userOf('dave')).toBeUndefined();
    const valid = await eventually(() => sut.showSessions('valid'), (all) => !all.some((s) => s.session === session));
    expect(valid.map((candidate) => candidate.session)).not.toContain(session);
  });

  it('show events delivers connect and disconnect events for a new session', async () => {
    const carol = await lab.connect(CAROL);
    const connected = await eventually(
      () => events.find((event) => event.kind === 'connect' && event.username === 'carol' && event.vpnIp === carol.vpnIp),
      (event) => event !== undefined,
    );
    expect(connected).toMatchObject({ vhost: 'default', remoteIp: '127.0.0.1' });
    await carol.stop();
    const disconnected = await eventually(
      () => events.find((event) => event.kind === 'disconnect' && event.id === connected?.id),
      (event) => event !== undefined,
    );
    expect(disconnected?.reason).toEqual(expect.any(String));
  });
});

describe(`${OcctlService.name} with ban scoring (an isolated instance)`, () => {
  let lab: OcservLab;
  let agent: TestAgent;

  beforeAll(async () => {
    // The one lab that scores failed logins: its bans live only in this instance.
    lab = await OcservLab.start({ users: [ALICE], maxBanScore: 20 });
    agent = await startLabAgent(lab, { ocserv: { events: false } });
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
  });

  it('show ip bans lists a banned IP and unban ip lifts the ban', async () => {
    const sut = agent.agent.app.get(OcctlService);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await lab.connect({ ...ALICE, password: 'wrong' }, { timeoutMs: 10_000 }).catch(() => undefined);
    }
    const bans = await sut.showIpBans();
    expect(bans).toEqual([expect.objectContaining({ ip: '127.0.0.1' })]);
    expect(bans[0]?.score).toBeGreaterThanOrEqual(20);
    expect((await sut.showIpBanPoints()).map((ban) => ban.ip)).toContain('127.0.0.1');
    await expect(sut.unbanIp('127.0.0.1')).resolves.toMatchObject({ ok: true });
    await expect(sut.showIpBans()).resolves.toEqual([]);
  });

  it('stop now stops ocserv, after which calls fail UNAVAILABLE with the socket named', async () => {
    const sut = agent.agent.app.get(OcctlService);
    await expect(sut.stopNow()).resolves.toMatchObject({ ok: true });
    const error = await eventually(
      () => sut.showStatus().then(() => undefined, (e: unknown) => e),
      (e) => e !== undefined,
    );
    expect(error).toMatchObject({ code: AgentErrorCode.Unavailable });
    expect((error as Error).message).toContain(lab.occtlSocket);
  });
});
