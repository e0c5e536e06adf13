import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import {
  ECHOED_VALUE_MAX_LENGTH,
  METADATA_MAX_ENTRIES,
  METADATA_VALUE_MAX_LENGTH,
  SESSION_ID_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
} from '../../../src/validation/field-limits.constant';
import {
  assertIpAddress,
  assertMetadata,
  assertOptionalDeviceId,
  assertOptionalIpAddress,
  assertSessionId,
  assertUsername,
  echoValue,
} from '../../../src/validation/vpn-identifiers';
import { agentErrorFrom } from '../builders/caught-error';

const TEN_KB = 10 * 1024;

/** Values that must never become an occtl argument or a file name, whatever the field. */
const HOSTILE_TOKENS: ReadonlyArray<[string, string]> = [
  ['a space', 'alice smith'],
  ['a semicolon', 'alice;reboot'],
  ['command substitution', 'alice$(id)'],
  ['backticks', 'alice`id`'],
  ['a path traversal', '../etc/passwd'],
  ['a NUL byte', 'alice\u0000root'],
  ['a trailing newline', 'alice\n'],
  ['an embedded newline', 'alice\nroot'],
  ['a pipe', 'alice|cat'],
  ['a glob', 'alice*'],
  ['a Cyrillic lookalike', 'аlice'],
  ['a fullwidth lookalike', 'ａlice'],
  ['a zero-width space', 'ali\u200bce'],
];

describe('vpn-identifiers', () => {
  describe(assertUsername.name, () => {
    it.each(['alice', 'a', 'alice.smith', 'alice_smith', 'alice-smith', 'alice@example.com', 'alice+vpn', '_svc', '0042'])(
      'accepts %j',
      (value) => {
        expect(assertUsername(value)).toBe(value);
      },
    );

    it(`accepts exactly ${USERNAME_MAX_LENGTH} characters`, () => {
      const value = 'a'.repeat(USERNAME_MAX_LENGTH);

      expect(assertUsername(value)).toBe(value);
    });

    it('refuses an empty value as required', () => {
      const error = agentErrorFrom(() => assertUsername(''));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toBe('username is required');
    });

    it(`refuses ${USERNAME_MAX_LENGTH + 1} characters`, () => {
      const error = agentErrorFrom(() => assertUsername('a'.repeat(USERNAME_MAX_LENGTH + 1)));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toContain(`(${USERNAME_MAX_LENGTH + 1} chars)`);
    });

    it.each([
      ['a leading dash (read as a flag)', '-rf'],
      ['a leading dot (hidden file)', '.alice'],
      ['a lone dot', '.'],
      ['a double dot', '..'],
      ...HOSTILE_TOKENS,
      ['a slash', 'alice/bob'],
    ])('refuses %s', (_, value) => {
      expect(agentErrorFrom(() => assertUsername(value)).code).toBe(AgentErrorCode.InvalidArgument);
    });

    it('names the field it was given in the message', () => {
      const error = agentErrorFrom(() => assertUsername('-x', 'username_filter'));

      expect(error.message).toMatch(/^username_filter must be/);
    });

    it('does not echo a 10 KB value back in full', () => {
      const error = agentErrorFrom(() => assertUsername('x'.repeat(TEN_KB)));

      expect(error.message.length).toBeLessThan(300);
      expect(error.message).toContain(`(${TEN_KB} chars)`);
    });
  });

  describe(assertSessionId.name, () => {
    it.each(['abc123', 'ZuH+Hk/q9A==', 'sess_1.2:3-4'])('accepts %j', (value) => {
      expect(assertSessionId(value)).toBe(value);
    });

    it('refuses an empty value as required', () => {
      expect(agentErrorFrom(() => assertSessionId('')).message).toBe('session_id is required');
    });

    it(`refuses more than ${SESSION_ID_MAX_LENGTH} characters`, () => {
      expect(agentErrorFrom(() => assertSessionId('s'.repeat(SESSION_ID_MAX_LENGTH + 1))).code).toBe(
        AgentErrorCode.InvalidArgument,
      );
    });

    it.each([
      ['a leading dash', '-abc'],
      ['a leading dot', '.abc'],
      ['a leading colon', ':abc'],
      ...HOSTILE_TOKENS,
      ['a 10 KB value', 's'.repeat(TEN_KB)],
    ])('refuses %s', (_, value) => {
      expect(agentErrorFrom(() => assertSessionId(value)).code).toBe(AgentErrorCode.InvalidArgument);
    });
  });

  describe(assertIpAddress.name, () => {
    it.each(['192.0.2.1', '0.0.0.0', '2001:db8::1', '::1', '::ffff:192.0.2.1', 'fe80::1'])('accepts %j', (value) => {
      expect(assertIpAddress(value, 'client_ip')).toBe(value);
    });

    it('refuses an empty value as required, naming the field', () => {
      expect(agentErrorFrom(() => assertIpAddress('', 'client_ip')).message).toBe('client_ip is required');
    });

    it.each([
      ['an IPv6 zone id', 'fe80::1%eth0'],
      ['an IPv6 zone id with a hostile interface name', 'fe80::1%$(id)'],
      ['an IPv4 CIDR', '192.0.2.0/24'],
      ['an IPv6 CIDR', '2001:db8::/32'],
      ['a hostname', 'vpn.example.com'],
      ['localhost', 'localhost'],
      ['an address with a port', '192.0.2.1:443'],
      ['a bracketed IPv6 address', '[::1]'],
      ['leading zeros', '192.000.002.001'],
      ['surrounding whitespace', ' 192.0.2.1 '],
      ['a trailing newline', '192.0.2.1\n'],
      ['fullwidth digits', '１９２.０.２.１'],
      ['an option-looking value', '--help'],
      ['a 10 KB value', '1'.repeat(TEN_KB)],
    ])('refuses %s', (_, value) => {
      const error = agentErrorFrom(() => assertIpAddress(value, 'client_ip'));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toMatch(/^client_ip must be an IPv4 or IPv6 address; got /);
    });
  });

  describe(assertOptionalIpAddress.name, () => {
    it('accepts an empty value as "not known"', () => {
      expect(assertOptionalIpAddress('', 'vpn_ip')).toBe('');
    });

    it('still refuses a zone id', () => {
      expect(agentErrorFrom(() => assertOptionalIpAddress('fe80::1%eth0', 'vpn_ip')).message).toMatch(/^vpn_ip /);
    });
  });

  describe(assertOptionalDeviceId.name, () => {
    it.each(['', 'vpns0', 'tun0', 'vpns0:1'])('accepts %j', (value) => {
      expect(assertOptionalDeviceId(value)).toBe(value);
    });

    it.each([['a leading dash', '-vpns0'], ['a leading dot', '.vpns0'], ...HOSTILE_TOKENS, ['a slash', 'net/tun']])(
      'refuses %s',
      (_, value) => {
        expect(agentErrorFrom(() => assertOptionalDeviceId(value)).code).toBe(AgentErrorCode.InvalidArgument);
      },
    );
  });

  describe(assertMetadata.name, () => {
    function entries(count: number): Record<string, string> {
      return Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, 'v']));
    }

    it('accepts an empty map', () => {
      expect(assertMetadata({})).toEqual({});
    });

    it(`accepts ${METADATA_MAX_ENTRIES} entries`, () => {
      expect(Object.keys(assertMetadata(entries(METADATA_MAX_ENTRIES)))).toHaveLength(METADATA_MAX_ENTRIES);
    });

    it(`refuses ${METADATA_MAX_ENTRIES + 1} entries`, () => {
      const error = agentErrorFrom(() => assertMetadata(entries(METADATA_MAX_ENTRIES + 1)));

      expect(error.message).toBe(`metadata has ${METADATA_MAX_ENTRIES + 1} entries; at most ${METADATA_MAX_ENTRIES} are allowed`);
    });

    it.each([
      ['an empty key', ''],
      ['a key with a space', 'user agent'],
      ['a key with a leading dash', '-x'],
      ['a key with a leading dot', '.x'],
      ['a key with a NUL', 'k\u0000'],
      ['a key with a newline', 'k\nforged=1'],
      ['a key of 65 characters', 'k'.repeat(65)],
    ])('refuses %s', (_, key) => {
      const error = agentErrorFrom(() => assertMetadata({ [key]: 'v' }));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toMatch(/^metadata key must be /);
    });

    it(`accepts a value of ${METADATA_VALUE_MAX_LENGTH} characters`, () => {
      expect(() => assertMetadata({ user_agent: 'u'.repeat(METADATA_VALUE_MAX_LENGTH) })).not.toThrow();
    });

    it(`refuses a value of ${METADATA_VALUE_MAX_LENGTH + 1} characters, naming the key and the length`, () => {
      const error = agentErrorFrom(() => assertMetadata({ user_agent: 'u'.repeat(METADATA_VALUE_MAX_LENGTH + 1) }));

      expect(error.message).toBe(
        `metadata[user_agent] must be at most ${METADATA_VALUE_MAX_LENGTH} characters without NUL; got ${METADATA_VALUE_MAX_LENGTH + 1} chars`,
      );
    });

    it('refuses a value containing NUL', () => {
      expect(agentErrorFrom(() => assertMetadata({ platform: 'linux\u0000' })).code).toBe(AgentErrorCode.InvalidArgument);
    });

    it('returns the map it was given unchanged', () => {
      const metadata = { platform: 'linux', user_agent: 'AnyConnect Linux 4.10' };

      expect(assertMetadata(metadata)).toBe(metadata);
    });
  });

  describe(echoValue.name, () => {
    it('quotes a short value and states its length', () => {
      expect(echoValue('alice')).toBe('"alice" (5 chars)');
    });

    it(`keeps exactly ${ECHOED_VALUE_MAX_LENGTH} characters without an ellipsis`, () => {
      const value = 'x'.repeat(ECHOED_VALUE_MAX_LENGTH);

      expect(echoValue(value)).toBe(`"${value}" (${ECHOED_VALUE_MAX_LENGTH} chars)`);
    });

    it(`truncates a longer value to ${ECHOED_VALUE_MAX_LENGTH} characters and an ellipsis`, () => {
      const value = 'x'.repeat(TEN_KB);

      expect(echoValue(value)).toBe(`"${'x'.repeat(ECHOED_VALUE_MAX_LENGTH)}…" (${TEN_KB} chars)`);
    });

    it('escapes quotes and control characters so a value cannot forge the rest of the message', () => {
      const shown = echoValue('a"; role="admin\n\u0000');

      expect(shown).toBe('"a\\"; role=\\"admin\\n\\u0000" (17 chars)');
    });
  });
});
