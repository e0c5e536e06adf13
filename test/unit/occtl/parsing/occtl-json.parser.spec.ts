import { OCCTL_JSON_MAX_BYTES, OCCTL_JSON_MAX_DEPTH, parseOcctlJson } from '../../../../src/occtl/parsing/occtl-json.parser';
import { OcctlOutputError } from '../../../../src/occtl/parsing/occtl-output.error';
import { OcctlFixtureVersion, readOcctlFixture } from './read-fixture';

/** The OcctlOutputError parsing `text` throws; fails the test on anything else. */
function outputErrorFrom(text: string): OcctlOutputError {
  try {
    parseOcctlJson(text);
  } catch (error) {
    if (error instanceof OcctlOutputError) return error;
    throw new Error(`expected an OcctlOutputError, got ${String(error)}`);
  }
  throw new Error('expected an OcctlOutputError, but the text parsed');
}

/** A record whose "v" member is `levels` arrays deep: the record itself is depth 2 (array, object). */
function recordNestedArrays(levels: number): string {
  return `[{"v": ${'['.repeat(levels)}${']'.repeat(levels)}}]`;
}

describe(parseOcctlJson.name, () => {
  const sut = parseOcctlJson;

  describe('captured and hand-made fixtures', () => {
    it.each<[OcctlFixtureVersion, string, number]>([
      ['1.1.6', 'show-users.json', 2],
      ['1.1.6', 'show-user.json', 1],
      ['1.1.6', 'show-id.json', 1],
      ['1.1.6', 'show-status.json', 1],
      ['1.1.6', 'show-iroutes.json', 2],
      ['1.1.6', 'show-sessions-all.json', 2],
      ['1.1.6', 'show-sessions-valid.json', 2],
      ['1.1.6', 'show-session.json', 1],
      ['1.1.6', 'show-ip-bans.json', 0],
      ['1.1.6', 'show-ip-bans-banned.json', 1],
      ['1.1.6', 'show-ip-ban-points.json', 0],
      ['1.1.6', 'show-ip-ban-points-some.json', 1],
      ['1.2.0', 'show-users.json', 2],
      ['1.2.0', 'show-user.json', 2],
      ['1.2.0', 'show-iroutes.json', 1],
      ['1.3.0', 'show-users.json', 2],
      ['1.3.0', 'show-status.json', 1],
      ['1.3.0', 'show-ip-bans.json', 2],
      ['1.3.0', 'show-sessions-all.json', 2],
    ])('reads %s %s as %d record(s)', (version, file, count) => {
      expect(sut(readOcctlFixture(version, file))).toHaveLength(count);
    });

    it('merges 1.1.6 "Routes": [] followed by "Routes": "defaultroute" into the route', () => {
      const [bob, alice] = sut(readOcctlFixture('1.1.6', 'show-users.json'));

      expect(bob?.['Routes']).toBe('defaultroute');
      expect(alice?.['Routes']).toBe('defaultroute');
    });

    it('unescapes quotes and backslashes (bob\'s User-Agent)', () => {
      const [bob] = sut(readOcctlFixture('1.1.6', 'show-users.json'));

      expect(bob?.['User-Agent']).toBe('Evil "UA" \\ test');
    });

    it('splits 1.1.6 show iroutes (one bracketless object) where "ID" repeats', () => {
      const records = sut(readOcctlFixture('1.1.6', 'show-iroutes.json'));

      expect(records).toEqual([
        { ID: 24384, Username: 'bob', vhost: 'default', Device: 'vpns1', IP: '192.168.99.106', iRoutes: [] },
        { ID: 24356, Username: 'alice', vhost: 'default', Device: 'vpns0', IP: '192.168.99.50', iRoutes: [] },
      ]);
    });

    it('reads show status as a bare object', () => {
      const [status] = sut(readOcctlFixture('1.1.6', 'show-status.json'));

      expect(status).toMatchObject({ Status: 'online', 'Server PID': 24326, raw_up_since: 1795288233 });
    });

    it('reads session records despite trailing commas', () => {
      const [alice] = sut(readOcctlFixture('1.1.6', 'show-session.json'));

      expect(alice).toMatchObject({ Session: 'MsfXEO', session_is_open: 1, tls_auth_ok: 0, in_use: 1 });
    });

    it('keeps the first of 1.2.0\'s two different "TX" values (the raw counter)', () => {
      const [carol] = sut(readOcctlFixture('1.2.0', 'show-users.json'));

      expect(carol?.['TX']).toBe('352');
    });

    it('reads 1.2.0 members and objects that have no comma between them', () => {
      const [carol, dave] = sut(readOcctlFixture('1.2.0', 'show-users.json'));

      expect(carol?.['Restricted to routes']).toBe('True');
      expect(carol?.['Restricted to ports']).toEqual(['tcp(443)', 'udp(53)']);
      expect(dave?.['ID']).toBe(31017);
    });

    it('reads 1.3.0 unicode escapes, an invalid escape, raw control characters and non-ASCII text', () => {
      const [erik] = sut(readOcctlFixture('1.3.0', 'show-users.json'));

      expect(erik?.['User-Agent']).toBe('Cisco AnyConnect é\\q ✓\tTAB\u0001BEL');
      expect(erik?.['Username']).toBe('érik.müller');
      expect(erik?.['Hostname']).toBe('客户端-01');
    });
  });

  describe('duplicate keys', () => {
    it.each([
      ['two arrays concatenate', '"a": ["x"], "a": ["y", "z"]', ['x', 'y', 'z']],
      ['an empty array yields to a scalar', '"a": [], "a": "x"', 'x'],
      ['a scalar is kept over a later empty array', '"a": "x", "a": []', 'x'],
      ['an empty string yields to a later value', '"a": "", "a": "x"', 'x'],
      ['a later empty string yields', '"a": "x", "a": ""', 'x'],
      ['null yields to the other value', '"a": null, "a": 5', 5],
      ['a scalar is appended to an earlier array', '"a": ["x"], "a": "y"', ['x', 'y']],
      ['an earlier scalar is appended to a later array', '"a": "x", "a": ["y"]', ['y', 'x']],
      ['of two different scalars the first wins', '"a": "352", "a": "352 bytes"', '352'],
      ['equal scalars stay one value', '"a": 1, "a": 1', 1],
      ['objects merge member by member', '"a": {"x": 1, "l": []}, "a": {"y": 2, "l": ["z"]}', { x: 1, y: 2, l: ['z'] }],
    ])('merge: %s', (_, members, expected) => {
      expect(sut(`[{"id": 1, ${members}}]`)).toEqual([{ id: 1, a: expected }]);
    });

    it('starts a new record when the first key of an object repeats, in arrays too', () => {
      expect(sut('[{"ID": 1, "x": "a", "ID": 2, "x": "b"}]')).toEqual([
        { ID: 1, x: 'a' },
        { ID: 2, x: 'b' },
      ]);
    });

    it('does not split nested objects on a repeated first key (they merge)', () => {
      expect(sut('[{"ID": 1, "n": {"k": "a", "k": "b"}}]')).toEqual([{ ID: 1, n: { k: 'a' } }]);
    });

    it('merges 100 000 repeats of one array key', () => {
      const text = `[{"ID": 1${', "a": ["x"]'.repeat(100_000)}}]`;

      expect(sut(text)[0]?.['a']).toHaveLength(100_000);
    });

    it('keeps "__proto__" as a plain member without touching any prototype', () => {
      const [record] = sut('[{"ID": 1, "__proto__": {"polluted": true}, "constructor": "x"}]');

      expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
      expect(Object.hasOwn(record ?? {}, '__proto__')).toBe(true);
      expect((record as { polluted?: unknown }).polluted).toBeUndefined();
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    });
  });

  describe('empty output', () => {
    it.each([
      ['nothing', ''],
      ['whitespace only', ' \n\t\r\n'],
      ['an empty array', '[\n]\n'],
      ['an empty bare object', '  {\n  }\n'],
      ['an array of empty objects', '[{}, {}]'],
      ['a byte-order mark and an empty array', '\uFEFF[]'],
    ])('reads %s as zero records', (_, text) => {
      expect(sut(text)).toEqual([]);
    });
  });

  describe('strings', () => {
    const valueOf = (json: string): unknown => sut(`[{"v": ${json}}]`)[0]?.['v'];

    it.each([
      ['escaped quotes and backslashes', String.raw`"Evil \"UA\" \\ test"`, 'Evil "UA" \\ test'],
      ['all JSON escapes', String.raw`"\b\f\n\r\t\/"`, '\b\f\n\r\t/'],
      ['a unicode escape', String.raw`"caf\u00e9"`, 'café'],
      ['a surrogate pair', String.raw`"\ud83d\ude00"`, '😀'],
      ['an invalid escape, literally', String.raw`"a\qb"`, 'a\\qb'],
      ['a short unicode escape, literally', String.raw`"\u12x"`, '\\u12x'],
      ['raw control characters', '"a\tb\u0001c\nd"', 'a\tb\u0001c\nd'],
      ['non-ASCII text', '"Jürgen 李 🚀"', 'Jürgen 李 🚀'],
    ])('reads %s', (_, json, expected) => {
      expect(valueOf(json)).toBe(expected);
    });

    it('reads a 10 KB string', () => {
      const long = 'x'.repeat(10 * 1024);

      expect(valueOf(`"${long}"`)).toBe(long);
    });

    it('keeps a hostile User-Agent verbatim', () => {
      const hostile = '"; rm -rf / #\'$(id)`id`<script>alert(1)</script>\u0000\\u0000%s%n';

      expect(valueOf(JSON.stringify(hostile))).toBe(hostile);
    });
  });

  describe('values', () => {
    it.each([
      ['integers', '24356', 24356],
      ['negative decimals with exponent', '-1.5e2', -150],
      ['true', 'true', true],
      ['false', 'false', false],
      ['null', 'null', null],
      ['nested arrays', '[["a"], []]', [['a'], []]],
    ])('reads %s', (_, json, expected) => {
      expect(sut(`[{"v": ${json}}]`)).toEqual([{ v: expected }]);
    });
  });

  describe('garbage', () => {
    it.each([
      ['an error message', 'unknown command\n'],
      ['an HTML page', '<html><body>502 Bad Gateway</body></html>'],
      ['occtl\'s socket error', readOcctlFixture('1.1.6', 'socket-missing.stderr.txt')],
      ['text-mode show status', readOcctlFixture('1.1.6', 'show-status.txt')],
      ['text-mode show events', readOcctlFixture('1.1.6', 'show-events.txt')],
      ['occtl --help', readOcctlFixture('1.1.6', 'help.txt')],
      ['binary bytes', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0xff, 0xfe, 0x5b]).toString('latin1')],
      ['a top-level number', '42'],
      ['an array of numbers', '[1, 2]'],
      ['a missing colon', '[{"ID" 1}]'],
      ['an unquoted key', '[{ID: 1}]'],
      ['a misspelled literal', '[{"a": tru}]'],
      ['a leading comma', '[, {"a": 1}]'],
      ['a double comma', '[{"a": 1},, {"b": 2}]'],
      ['text after the array', '[{"a": 1}] unknown'],
      ['an extra closing brace', '{"a": 1}}'],
      ['a NUL after a value', '[{"a": 1\u0000}]'],
    ])('refuses %s', (_, text) => {
      expect(outputErrorFrom(text)).toBeInstanceOf(OcctlOutputError);
    });

    it('refuses every truncation of show users that is not blank', () => {
      const full = readOcctlFixture('1.1.6', 'show-users.json');
      const readable = [];
      for (let length = 1; length < full.trimEnd().length; length += 1) {
        const prefix = full.slice(0, length);
        try {
          sut(prefix);
          readable.push(length);
        } catch (error) {
          if (!(error instanceof OcctlOutputError)) throw error;
        }
      }

      expect(readable).toEqual([]);
    });

    it('refuses a string cut off mid-escape', () => {
      expect(outputErrorFrom('[{"a": "abc\\').message).toMatch(/unterminated string/);
    });

    it('says where the output became unreadable', () => {
      expect(outputErrorFrom('[\n  {"ID": 1,\n   "x" 2}]').message).toMatch(/expected ':' after key "x" at line 3, column 8/);
    });

    it('puts the JSON-escaped start of the output in the excerpt', () => {
      expect(outputErrorFrom('unknown command\n\u0001').excerpt).toBe('"unknown command\\n\\u0001"');
    });

    it('cuts the excerpt at 120 characters', () => {
      const error = outputErrorFrom(`garbage ${'y'.repeat(500)}`);

      expect(error.excerpt).toBe(`${JSON.stringify(`garbage ${'y'.repeat(112)}`)}…`);
    });
  });

  describe('limits', () => {
    it(`reads nesting up to ${OCCTL_JSON_MAX_DEPTH} levels`, () => {
      expect(sut(recordNestedArrays(OCCTL_JSON_MAX_DEPTH - 2))).toHaveLength(1);
    });

    it(`refuses nesting deeper than ${OCCTL_JSON_MAX_DEPTH} levels`, () => {
      expect(outputErrorFrom(recordNestedArrays(OCCTL_JSON_MAX_DEPTH - 1)).message).toMatch(/nesting deeper than/);
    });

    it('refuses 100 000 levels of nesting without overflowing the stack', () => {
      expect(outputErrorFrom(recordNestedArrays(100_000)).message).toMatch(/nesting deeper than/);
    });

    it('refuses output over 16 MiB', () => {
      expect(outputErrorFrom(' '.repeat(OCCTL_JSON_MAX_BYTES + 1)).message).toMatch(/larger than 16777216 bytes/);
    });

    it('counts the limit in UTF-8 bytes, not characters', () => {
      const text = `[{"v": "${'é'.repeat(OCCTL_JSON_MAX_BYTES / 2)}"}]`;

      expect(outputErrorFrom(text).message).toMatch(/larger than/);
    });
  });
});
