import type { OcctlRecord } from '../../../../src/occtl/parsing/occtl-json.parser';
import { parseOcctlJson } from '../../../../src/occtl/parsing/occtl-json.parser';
import { OcctlOutputError } from '../../../../src/occtl/parsing/occtl-output.error';
import {
  toOcctlBans,
  toOcctlCookieSessions,
  toOcctlIroutes,
  toOcctlStatus,
  toOcctlUsers,
} from '../../../../src/occtl/parsing/occtl-records.mapper';
import { OcctlFixtureVersion, readOcctlFixture } from './read-fixture';

/** When the 1.1.6 fixtures were captured (show status: raw_up_since 1795288233 plus 22 s uptime). */
const NOW_MS = 1_795_288_255_000;
const SECOND_MS = 1000;

function recordsOf(version: OcctlFixtureVersion, file: string): OcctlRecord[] {
  return parseOcctlJson(readOcctlFixture(version, file));
}

function localMs(text: string): number {
  const [date = '', time = ''] = text.split(' ');
  const [year = 0, month = 0, day = 0] = date.split('-').map(Number);
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  return new Date(year, month - 1, day, hour, minute).getTime();
}

describe('occtl-records.mapper', () => {
  describe(toOcctlUsers.name, () => {
    const sut = toOcctlUsers;

    it('maps every field of a 1.1.6 show users record', () => {
      const { users, skipped } = sut(recordsOf('1.1.6', 'show-users.json'), NOW_MS);

      expect(skipped).toBe(0);
      expect(users[1]).toEqual({
        id: 24356,
        username: 'alice',
        groupname: '',
        state: 'connected',
        vhost: 'default',
        device: 'vpns0',
        mtu: 1472,
        remoteIp: '127.0.0.1',
        localDeviceIp: '127.0.0.1',
        ipv4: '192.168.99.50',
        ptpIpv4: '192.168.99.1',
        ipv6: '',
        ptpIpv6: '',
        userAgent: 'Open AnyConnect VPN Agent v9.01-3',
        hostname: 'vm',
        rxBytes: 0,
        txBytes: 448,
        connectedAtMs: NOW_MS - 16 * SECOND_MS,
        session: 'MsfXEO',
        fullSession: 'MsfXEORE0LxZmOiInCQ+vYPpJGU=',
        tlsCiphersuite: '(TLS1.3)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-256-GC',
        dtlsCipher: '',
        dns: [],
        nbns: [],
        splitDnsDomains: [],
        routes: ['defaultroute'],
        noRoutes: [],
        iroutes: [],
        restrictedToRoutes: false,
        restrictedToPorts: [],
      });
    });

    it('keeps bob\'s group and his hostile User-Agent exactly', () => {
      const [bob] = sut(recordsOf('1.1.6', 'show-users.json'), NOW_MS).users;

      expect(bob).toMatchObject({ id: 24384, username: 'bob', groupname: 'devs', ipv4: '192.168.99.106', userAgent: 'Evil "UA" \\ test' });
      expect(bob?.connectedAtMs).toBe(NOW_MS - 6 * SECOND_MS);
    });

    it.each([['show-user.json'], ['show-id.json']])('reads 1.1.6 %s as alice\'s one session', (file) => {
      const { users } = sut(recordsOf('1.1.6', file), NOW_MS);

      expect(users.map((user) => [user.id, user.username, user.ipv4])).toEqual([[24356, 'alice', '192.168.99.50']]);
    });

    it('reads 1.2.0 show users with its doubled TX, lists and IPv6', () => {
      const [carol, dave] = sut(recordsOf('1.2.0', 'show-users.json'), NOW_MS).users;

      expect(carol).toMatchObject({
        id: 31002,
        groupname: 'ops',
        mtu: 1400,
        rxBytes: 1160,
        txBytes: 352,
        ipv6: 'fd00:20::c',
        ptpIpv6: 'fd00:20::1',
        dtlsCipher: '(DTLS1.2)-(ECDHE-RSA)-(AES-256-GCM)',
        dns: ['10.20.0.1', 'fd00:20::1'],
        splitDnsDomains: ['corp.example'],
        routes: ['10.0.0.0/255.0.0.0', '172.16.0.0/255.240.0.0'],
        noRoutes: ['10.99.0.0/255.255.0.0'],
        restrictedToRoutes: true,
        restrictedToPorts: ['tcp(443)', 'udp(53)'],
        connectedAtMs: NOW_MS - 303 * SECOND_MS,
      });
      expect(dave).toMatchObject({ id: 31017, groupname: '', routes: ['defaultroute'], connectedAtMs: NOW_MS - 7980 * SECOND_MS });
    });

    it('reads every session of one user from 1.2.0 show user', () => {
      const { users } = sut(recordsOf('1.2.0', 'show-user.json'), NOW_MS);

      expect(users.map((user) => [user.username, user.id, user.device])).toEqual([
        ['carol', 31002, 'vpns0'],
        ['carol', 31044, 'vpns2'],
      ]);
    });

    it('takes raw_connected_at over the elapsed and local times (1.3.0)', () => {
      const [erik] = sut(recordsOf('1.3.0', 'show-users.json'), NOW_MS).users;

      expect(erik).toMatchObject({
        username: 'érik.müller',
        hostname: '客户端-01',
        userAgent: 'Cisco AnyConnect é\\q ✓\tTAB\u0001BEL',
        rxBytes: 987_654_321,
        connectedAtMs: 1_795_014_600_000,
      });
    });

    it('falls back to the elapsed time when raw_connected_at is 0', () => {
      const [, obrien] = sut(recordsOf('1.3.0', 'show-users.json'), NOW_MS).users;

      expect(obrien).toMatchObject({ username: "o'brien", connectedAtMs: NOW_MS - 3 * 86_400 * SECOND_MS });
    });

    it('falls back to the local time when the elapsed time is unreadable', () => {
      const records = [{ ID: 7, Username: 'eve', 'Connected at': '2026-11-21 19:10', '_Connected at': '   ?   ' }];

      expect(sut(records, NOW_MS).users[0]?.connectedAtMs).toBe(localMs('2026-11-21 19:10'));
    });

    it('leaves the connect time unknown when occtl printed none', () => {
      expect(sut([{ ID: 7, Username: 'eve' }], NOW_MS).users[0]?.connectedAtMs).toBeUndefined();
    });

    it('gives missing fields empty values', () => {
      expect(sut([{ ID: '7', Username: 'eve' }], NOW_MS).users[0]).toMatchObject({
        id: 7,
        groupname: '',
        mtu: undefined,
        ipv4: '',
        rxBytes: 0,
        txBytes: 0,
        routes: [],
        restrictedToRoutes: false,
      });
    });

    it.each<[string, OcctlRecord]>([
      ['no ID', { Username: 'eve' }],
      ['ID 0', { ID: 0, Username: 'eve' }],
      ['a negative ID', { ID: -1, Username: 'eve' }],
      ['a fractional ID', { ID: 1.5, Username: 'eve' }],
      ['a non-numeric ID', { ID: 'abc', Username: 'eve' }],
      ['no Username', { ID: 7 }],
      ['an empty Username', { ID: 7, Username: '' }],
      ['Username "(none)" (not yet authenticated)', { ID: 7, Username: '(none)' }],
    ])('skips and counts a record with %s, keeping the others', (_, bad) => {
      const { users, skipped } = sut([{ ID: 1, Username: 'alice' }, bad, { ID: 2, Username: 'bob' }], NOW_MS);

      expect(users.map((user) => user.username)).toEqual(['alice', 'bob']);
      expect(skipped).toBe(1);
    });
  });

  describe(toOcctlStatus.name, () => {
    const sut = toOcctlStatus;

    it('reads 1.1.6 show status', () => {
      expect(sut(recordsOf('1.1.6', 'show-status.json'), NOW_MS)).toEqual({
        status: 'online',
        serverPid: 24326,
        secModPid: 24328,
        upSinceMs: 1_795_288_233_000,
        activeSessions: 2,
        totalSessions: 0,
        ipsInBanList: 0,
        totalAuthenticationFailures: 0,
        rxBytes: 0,
        txBytes: 0,
      });
    });

    it('reads 1.3.0 show status, counters from raw_rx and raw_tx', () => {
      expect(sut(recordsOf('1.3.0', 'show-status.json'), NOW_MS)).toEqual({
        status: 'online',
        serverPid: 51012,
        secModPid: 51014,
        upSinceMs: 1_794_992_400_000,
        activeSessions: 2,
        totalSessions: 57,
        ipsInBanList: 1,
        totalAuthenticationFailures: 3,
        rxBytes: 1_288_490_188,
        txBytes: 325_058_560,
      });
    });

    it('reads "Up since" when there is no raw_up_since', () => {
      const status = sut([{ Status: 'online', 'Up since': '2026-11-21 19:10', uptime: 22 }], NOW_MS);

      expect(status.upSinceMs).toBe(localMs('2026-11-21 19:10'));
    });

    it('falls back to now minus the uptime when no start time is readable', () => {
      expect(sut([{ Status: 'online', '_Up since': ' 2h:13m' }], NOW_MS).upSinceMs).toBe(NOW_MS - 7980 * SECOND_MS);
    });

    it.each<[string, OcctlRecord[]]>([
      ['no records', []],
      ['a record without Status', [{ 'Server PID': 1 }]],
    ])('throws OcctlOutputError for %s', (_, records) => {
      expect(() => sut(records, NOW_MS)).toThrow(OcctlOutputError);
    });
  });

  describe(toOcctlBans.name, () => {
    const sut = toOcctlBans;

    it('reads a 1.1.6 ban with its elapsed time', () => {
      expect(sut(recordsOf('1.1.6', 'show-ip-bans-banned.json'), NOW_MS)).toEqual({
        bans: [{ ip: '127.0.0.1', score: 30, sinceMs: NOW_MS }],
        skipped: 0,
      });
    });

    it('reads 1.1.6 ban points, which have no time', () => {
      expect(sut(recordsOf('1.1.6', 'show-ip-ban-points-some.json'), NOW_MS).bans).toEqual([
        { ip: '127.0.0.1', score: 30, sinceMs: undefined },
      ]);
    });

    it.each([['show-ip-bans.json'], ['show-ip-ban-points.json']])('reads an empty 1.1.6 %s as no bans', (file) => {
      expect(sut(recordsOf('1.1.6', file), NOW_MS)).toEqual({ bans: [], skipped: 0 });
    });

    it('takes raw_since when printed, else the elapsed time (1.3.0)', () => {
      expect(sut(recordsOf('1.3.0', 'show-ip-bans.json'), NOW_MS).bans).toEqual([
        { ip: '192.0.2.66', score: 80, sinceMs: 1_795_287_660_000 },
        { ip: '2001:db8::dead', score: 30, sinceMs: NOW_MS - 65 * SECOND_MS },
      ]);
    });

    it('skips and counts a ban without an IP', () => {
      expect(sut([{ Score: 10 }, { IP: '', Score: 10 }], NOW_MS)).toEqual({ bans: [], skipped: 2 });
    });
  });

  describe(toOcctlIroutes.name, () => {
    const sut = toOcctlIroutes;

    it('reads 1.1.6 show iroutes as bob\'s and alice\'s records', () => {
      expect(sut(recordsOf('1.1.6', 'show-iroutes.json'))).toEqual({
        iroutes: [
          { id: 24384, username: 'bob', vhost: 'default', device: 'vpns1', ip: '192.168.99.106', iroutes: [] },
          { id: 24356, username: 'alice', vhost: 'default', device: 'vpns0', ip: '192.168.99.50', iroutes: [] },
        ],
        skipped: 0,
      });
    });

    it('reads the announced routes (1.2.0)', () => {
      expect(sut(recordsOf('1.2.0', 'show-iroutes.json')).iroutes[0]?.iroutes).toEqual([
        '192.168.50.0/255.255.255.0',
        '192.168.51.0/255.255.255.0',
      ]);
    });

    it('skips and counts records without an ID or Username', () => {
      expect(sut([{ ID: 'x', Username: 'bob' }, { ID: 3 }]).skipped).toBe(2);
    });
  });

  describe(toOcctlCookieSessions.name, () => {
    const sut = toOcctlCookieSessions;

    it.each([['show-sessions-all.json'], ['show-sessions-valid.json']])('reads 1.1.6 %s', (file) => {
      const { sessions, skipped } = sut(recordsOf('1.1.6', file), NOW_MS);

      expect(skipped).toBe(0);
      expect(sessions[0]).toEqual({
        session: 'MsfXEO',
        fullSession: 'MsfXEORE0LxZmOiInCQ+vYPpJGU=',
        createdAtMs: localMs('2026-11-21 19:10'),
        state: 'authenticated',
        username: 'alice',
        groupname: '',
        vhost: 'default',
        userAgent: 'Open AnyConnect VPN Agent v9.01-3',
        remoteIp: '127.0.0.1',
        location: 'unknown',
        sessionIsOpen: true,
        tlsAuthOk: false,
        inUse: true,
      });
      expect(sessions[1]).toMatchObject({ session: 'rrmE++', username: 'bob', groupname: 'devs', userAgent: 'Evil "UA" \\ test' });
    });

    it('reads 1.1.6 show session as one session', () => {
      expect(sut(recordsOf('1.1.6', 'show-session.json'), NOW_MS).sessions.map((session) => session.session)).toEqual(['MsfXEO']);
    });

    it('reads 1.3.0 flags printed as booleans, strings and 0/1, and "(none)" as no user', () => {
      const [erik, preAuth] = sut(recordsOf('1.3.0', 'show-sessions-all.json'), NOW_MS).sessions;

      expect(erik).toMatchObject({ username: 'érik.müller', sessionIsOpen: true, tlsAuthOk: true, inUse: true });
      expect(preAuth).toMatchObject({ state: 'pre-auth', username: '', groupname: '', sessionIsOpen: false, tlsAuthOk: false, inUse: false });
    });

    it('skips and counts a record without a Session', () => {
      expect(sut([{ Username: 'alice' }], NOW_MS)).toEqual({ sessions: [], skipped: 1 });
    });
  });
});
