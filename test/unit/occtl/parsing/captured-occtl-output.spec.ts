import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHelpCommands, parseOcctlVersion } from '../../../../src/occtl/occtl-capabilities';
import { parseOcctlEventLine } from '../../../../src/occtl/parsing/occtl-event-line.parser';
import { parseOcctlJson } from '../../../../src/occtl/parsing/occtl-json.parser';
import {
  toOcctlBans,
  toOcctlCookieSessions,
  toOcctlIroutes,
  toOcctlStatus,
  toOcctlUsers,
} from '../../../../src/occtl/parsing/occtl-records.mapper';
import { OCSERV_VERSIONS, OcservVersion } from '../../../support/ocserv-lab/ocserv-versions';

/*
 * Output captured from each real ocserv by scripts/capture-occtl-fixtures.sh
 * (test/fixtures/ocserv-<version>/, with capture.json saying who was connected).
 * Every record each version prints must be read: a skipped record is a session
 * the agent would not see.
 */

interface CaptureManifest {
  readonly version: OcservVersion;
  readonly clients: ReadonlyArray<{ readonly username: string; readonly groupname: string; readonly userAgent?: string }>;
}

const NOW_MS = Date.parse('2026-12-02T16:30:00Z');

function fixture(version: OcservVersion, name: string): string {
  return readFileSync(join(__dirname, '../../../fixtures', `ocserv-${version}`, name), 'utf8');
}

describe.each(Object.keys(OCSERV_VERSIONS) as OcservVersion[])('occtl output captured from ocserv %s', (version) => {
  const manifest = JSON.parse(fixture(version, 'capture.json')) as CaptureManifest;
  const clientNames = manifest.clients.map((client) => client.username).sort();
  const records = (name: string) => parseOcctlJson(fixture(version, name));

  it('was captured from that version', () => {
    expect(manifest.version).toBe(version);
    expect(parseOcctlVersion(fixture(version, 'version.txt'))).toBe(version);
  });

  it('show users: every connected client, none skipped, with group and User-Agent intact', () => {
    const { users, skipped } = toOcctlUsers(records('show-users.json'), NOW_MS);

    expect(skipped).toBe(0);
    expect(users.map((user) => user.username).sort()).toEqual(clientNames);
    for (const client of manifest.clients) {
      const user = users.find((candidate) => candidate.username === client.username);
      expect(user).toMatchObject({ groupname: client.groupname, state: 'connected', remoteIp: '127.0.0.1' });
      expect(user?.ipv4).toMatch(/^192\.168\.99\.\d+$/);
      expect(user?.connectedAtMs).toEqual(expect.any(Number));
      if (client.userAgent !== undefined) expect(user?.userAgent).toBe(client.userAgent);
    }
  });

  it('show user alice and show id of her session: her one record', () => {
    for (const name of ['show-user.json', 'show-id.json']) {
      const { users, skipped } = toOcctlUsers(records(name), NOW_MS);

      expect(skipped).toBe(0);
      expect(users.map((user) => user.username)).toEqual(['alice']);
    }
  });

  it('show sessions all / valid: a cookie session per client, none skipped', () => {
    for (const name of ['show-sessions-all.json', 'show-sessions-valid.json']) {
      const { sessions, skipped } = toOcctlCookieSessions(records(name), NOW_MS);

      expect(skipped).toBe(0);
      expect(sessions.map((session) => session.username).sort()).toEqual(clientNames);
      expect(sessions.every((session) => session.inUse && session.createdAtMs !== undefined)).toBe(true);
    }
  });

  it('show session SID: alice\'s cookie session', () => {
    const { sessions, skipped } = toOcctlCookieSessions(records('show-session.json'), NOW_MS);

    expect(skipped).toBe(0);
    expect(sessions).toEqual([expect.objectContaining({ username: 'alice', remoteIp: '127.0.0.1' })]);
  });

  it('show iroutes: one record per client, none skipped', () => {
    const { iroutes, skipped } = toOcctlIroutes(records('show-iroutes.json'));

    expect(skipped).toBe(0);
    expect(iroutes.map((route) => route.username).sort()).toEqual(clientNames);
    expect(iroutes.every((route) => /^192\.168\.99\.\d+$/.test(route.ip))).toBe(true);
  });

  it('show ip bans / ban points: empty with ban scoring off', () => {
    for (const name of ['show-ip-bans.json', 'show-ip-ban-points.json']) {
      const parsed = records(name);

      expect(parsed).toEqual([]);
      expect(toOcctlBans(parsed, NOW_MS)).toEqual({ bans: [], skipped: 0 });
    }
  });

  it('show status: online, with a session per client', () => {
    const status = toOcctlStatus(records('show-status.json'), NOW_MS);

    expect(status).toMatchObject({ status: 'online', activeSessions: manifest.clients.length });
    expect(status.serverPid).toBeGreaterThan(0);
    expect(status.upSinceMs).toEqual(expect.any(Number));
  });

  it('show events: carol\'s connect and disconnect, and nothing from the table or prompt', () => {
    const events = fixture(version, 'show-events.txt')
      .split('\n')
      .map((line) => parseOcctlEventLine(line))
      .filter((event) => event !== undefined);

    expect(events).toEqual([
      expect.objectContaining({ kind: 'connect', username: 'carol', vhost: 'default', remoteIp: '127.0.0.1' }),
      expect.objectContaining({ kind: 'disconnect', username: 'carol', reason: 'user disconnected' }),
    ]);
    expect(events[1]?.id).toBe(events[0]?.id);
  });

  const { hasTerminate } = OCSERV_VERSIONS[version];

  it(`--help: the baseline commands, terminate ${hasTerminate ? 'listed' : 'absent'}`, () => {
    const commands = parseHelpCommands(fixture(version, 'help.txt'));

    expect([...commands]).toEqual(expect.arrayContaining(['show users', 'show iroutes', 'disconnect id', 'unban ip', 'reload']));
    expect(commands.has('terminate user')).toBe(hasTerminate);
    expect(commands.has('terminate session')).toBe(hasTerminate);
  });
});
