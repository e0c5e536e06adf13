import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { decodeHookRequest, legacyToHookRequest, toHookRequest } from '../../../src/ipc/hook-request.mapper';
import { agentErrorFrom } from '../builders/caught-error';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const errorOf = (action: () => unknown): string => agentErrorFrom(action).message;

describe('hook-request.mapper', () => {
  describe(toHookRequest.name, () => {
    it('takes op, budget_ms and env', () => {
      expect(toHookRequest({ op: 'connect', budget_ms: 5000, env: { USERNAME: 'alice', ID: '7' } })).toEqual({
        op: 'connect',
        budgetMs: 5000,
        env: { USERNAME: 'alice', ID: '7' },
      });
    });

    it('leaves the budget undefined when the hook does not state one', () => {
      expect(toHookRequest({ op: 'host-update', env: {} }).budgetMs).toBeUndefined();
    });

    it('refuses with INVALID_ARGUMENT', () => {
      expect(agentErrorFrom(() => toHookRequest({ op: 'nope', env: {} })).code).toBe(AgentErrorCode.InvalidArgument);
    });

    it.each([
      [null, 'request must be a JSON object; got null'],
      [[], 'request must be a JSON object; got an array'],
      ['connect', 'request must be a JSON object; got "connect" (7 chars)'],
      [{ env: {} }, 'op must be one of connect, disconnect, host-update; got nothing'],
      [{ op: 1, env: {} }, 'op must be one of connect, disconnect, host-update; got 1'],
      [{ op: 'connect' }, 'env must be a JSON object; got nothing'],
      [{ op: 'connect', env: { USERNAME: null } }, 'env.USERNAME must be a string; got null'],
      [{ op: 'connect', env: { USERNAME: { nested: 'x' } } }, 'env.USERNAME must be a string; got an object'],
      [{ op: 'connect', env: { username: 'x' } }, 'env name must be 1-64 characters of A-Z 0-9 _ starting with a letter; got "username" (8 chars)'],
      [{ op: 'connect', env: { _X: 'x' } }, 'env name must be 1-64 characters of A-Z 0-9 _ starting with a letter; got "_X" (2 chars)'],
      [{ op: 'connect', env: {}, extra: 1 }, 'unknown key "extra" (5 chars); a request has op, budget_ms and env'],
    ])('refuses %j', (request, message) => {
      expect(errorOf(() => toHookRequest(request))).toBe(message);
    });

    it.each([99, 600_001, 1.5, '5000', -1])('refuses budget_ms %j', (budget) => {
      expect(errorOf(() => toHookRequest({ op: 'connect', budget_ms: budget, env: {} }))).toMatch(
        /^budget_ms must be a whole number of milliseconds from 100 to 600000; got /,
      );
    });

    it.each([100, 600_000])('accepts budget_ms %i', (budget) => {
      expect(toHookRequest({ op: 'connect', budget_ms: budget, env: {} }).budgetMs).toBe(budget);
    });

    it('accepts 64 variables and refuses 65', () => {
      const env = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`V${i}`, 'x']));

      expect(Object.keys(toHookRequest({ op: 'connect', env: env(64) }).env)).toHaveLength(64);
      expect(errorOf(() => toHookRequest({ op: 'connect', env: env(65) }))).toBe('env has 65 variables; at most 64 are allowed');
    });

    it('accepts a 64-character name and refuses a 65-character one', () => {
      expect(() => toHookRequest({ op: 'connect', env: { [`A${'B'.repeat(63)}`]: 'x' } })).not.toThrow();
      expect(() => toHookRequest({ op: 'connect', env: { [`A${'B'.repeat(64)}`]: 'x' } })).toThrow(/env name/);
    });

    it('bounds values at 16 KiB of UTF-8', () => {
      expect(() => toHookRequest({ op: 'connect', env: { OCSERV_ROUTES: 'r'.repeat(16 * 1024) } })).not.toThrow();
      // 8,193 two-byte characters: under 16 Ki characters, over 16 KiB.
      expect(errorOf(() => toHookRequest({ op: 'connect', env: { USER_AGENT: 'é'.repeat(8193) } }))).toBe(
        'env.USER_AGENT is 16386 bytes; at most 16384 are allowed',
      );
    });

    it('does not let __proto__ through as a variable', () => {
      expect(() => decodeHookRequest('ndjson', Buffer.from('{"op":"connect","env":{"__proto__":"x"}}'))).toThrow(/env name/);
    });
  });

  describe(legacyToHookRequest.name, () => {
    it('maps the earlier agent fields to ocserv variables', () => {
      expect(
        legacyToHookRequest({
          reason: 'connect',
          username: 'alice',
          groupname: 'staff',
          ip_real: '198.51.100.7',
          ip_remote: '10.10.0.2',
          device: 'vpns0',
          session_id: '42',
        }),
      ).toEqual({
        op: 'connect',
        budgetMs: undefined,
        env: {
          REASON: 'connect',
          USERNAME: 'alice',
          GROUPNAME: 'staff',
          IP_REAL: '198.51.100.7',
          IP_REMOTE: '10.10.0.2',
          DEVICE: 'vpns0',
          ID: '42',
        },
      });
    });

    it('leaves absent fields out and ignores unknown ones', () => {
      expect(legacyToHookRequest({ reason: 'disconnect', username: 'alice', vhost: 'x' }).env).toEqual({ REASON: 'disconnect', USERNAME: 'alice' });
    });

    it.each([
      [{ username: 'alice' }, 'reason must be one of connect, disconnect, host-update; got nothing'],
      [{ reason: 'connect', session_id: 42 }, 'session_id must be a string; got 42'],
      [{ reason: 'connect', username: ['alice'] }, 'username must be a string; got an array'],
    ])('refuses %j', (request, message) => {
      expect(errorOf(() => legacyToHookRequest(request))).toBe(message);
    });
  });

  describe(decodeHookRequest.name, () => {
    it('decodes each framing with its own shape', () => {
      expect(decodeHookRequest('ndjson', json({ op: 'disconnect', env: { ID: '1' } })).op).toBe('disconnect');
      expect(decodeHookRequest('legacy', json({ reason: 'host-update' })).op).toBe('host-update');
    });

    it('refuses invalid JSON without quoting it', () => {
      expect(errorOf(() => decodeHookRequest('ndjson', Buffer.from('{"op": secret}')))).toBe('request is not valid JSON (14 bytes)');
    });

    it('survives deeply nested JSON', () => {
      const nested = `{"op":"connect","env":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;

      expect(errorOf(() => decodeHookRequest('ndjson', Buffer.from(nested)))).toBe('env must be a JSON object; got an array');
    });
  });
});
