import { eventually } from '../../support/ocserv-lab/lab-agent';
import { OcservLab } from '../../support/ocserv-lab/ocserv-lab';
import { OCSERV_VERSIONS, defaultLabVersion } from '../../support/ocserv-lab/ocserv-versions';
import { VpnClientRefused } from '../../support/ocserv-lab/vpn-client';

/*
 * What ocserv does with a session's cookie after each way a session can end
 * (issue 13: what `terminate` adds over `disconnect`). A real openconnect
 * logs in with `--authenticate`, then connects and comes back with that cookie
 * (`--cookie-on-stdin`), as a client reconnecting after a drop does. Measured
 * against the lab's ocserv (cookie-timeout = 300): `occtl disconnect` already
 * invalidates the cookie on every version; a client that vanished keeps a
 * valid cookie, and only `terminate session` (1.5.0) takes it away.
 */
const VERSION = OCSERV_VERSIONS[defaultLabVersion()];
const withTerminate = VERSION.hasTerminate ? it : it.skip;
const ALICE = { username: 'alice', password: 'alice-pw' };
const BOB = { username: 'bob', password: 'bob-pw' };
const CAROL = { username: 'carol', password: 'carol-pw' };
const REFUSED_COOKIE = /Cookie was rejected by server/;

jest.setTimeout(60_000);

describe(`ocserv ${VERSION.version} session cookies (real openconnect)`, () => {
  let lab: OcservLab;

  beforeAll(async () => {
    lab = await OcservLab.start({ users: [ALICE, BOB, CAROL] });
  });

  afterAll(async () => {
    await lab?.stop();
  });

  const sessionIdOf = (username: string): string | undefined =>
    new RegExp(`"Session":\\s*"([^"]+)"[^}]*?"Username":\\s*"${username}"`).exec(lab.occtl(['-j', 'show', 'sessions', 'all']).stdout)?.[1];
  const isConnected = (username: string): boolean => lab.occtl(['-j', 'show', 'users']).stdout.includes(`"Username":  "${username}"`);
  const refusal = (error: unknown): string => (error instanceof VpnClientRefused ? error.output : String(error));

  it('occtl disconnect user: the client is gone and its cookie is refused on the way back', async () => {
    const cookie = lab.cookieFor(ALICE);
    const client = await lab.connect(ALICE, { cookie });

    expect(lab.occtl(['disconnect', 'user', 'alice']).status).toBe(0);

    await expect(client.exited).resolves.toEqual(expect.any(Number));
    const error = await lab.connect(ALICE, { cookie, timeoutMs: 15_000 }).then(() => undefined, refusal);
    expect(error).toMatch(REFUSED_COOKIE);
  });

  it('a client that vanished (killed, no goodbye) comes back with its cookie', async () => {
    const cookie = lab.cookieFor(BOB);
    const first = await lab.connect(BOB, { cookie });
    await first.drop();
    await eventually(() => isConnected('bob'), (connected) => !connected);

    const again = await lab.connect(BOB, { cookie });

    expect(again.vpnIp).toBe(first.vpnIp);
    await again.stop();
  });

  withTerminate('terminate session takes a vanished client\'s cookie away: it cannot come back (1.5.0)', async () => {
    const cookie = lab.cookieFor(CAROL);
    const first = await lab.connect(CAROL, { cookie });
    await first.drop();
    await eventually(() => isConnected('carol'), (connected) => !connected);
    const session = sessionIdOf('carol');
    expect(session).toEqual(expect.any(String));

    expect(lab.occtl(['terminate', 'session', session ?? '']).status).toBe(0);

    const error = await lab.connect(CAROL, { cookie, timeoutMs: 15_000 }).then(() => undefined, refusal);
    expect(error).toMatch(REFUSED_COOKIE);
  });
});
