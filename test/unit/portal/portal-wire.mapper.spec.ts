import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import type { ValidateSessionResponse } from '../../../src/generated/vpn/v1/auth';
import { toCheckPolicyRequest, toPolicyVerdict, toSessionVerdict, toValidateSessionRequest } from '../../../src/portal/portal-wire.mapper';
import { agentErrorFrom } from '../builders/caught-error';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aCheckPolicyResponse, aPolicyQuery } from '../builders/policy-verdict.builder';
import { aSessionQuery, aValidateSessionResponse } from '../builders/session-verdict.builder';

const MAX_REASON_LENGTH = 1024;

describe('portal-wire.mapper', () => {
  describe(toCheckPolicyRequest.name, () => {
    it('maps every query field and stamps request_time from the given milliseconds', () => {
      const request = toCheckPolicyRequest(aPolicyQuery(), FAKE_CLOCK_START_MS + 1_234);

      expect(request).toEqual({
        username: 'alice',
        groupname: 'staff',
        client_ip: '198.51.100.7',
        vpn_ip: '10.10.0.2',
        session_id: 'sess-alice-1',
        device: 'vpns0',
        request_time: { seconds: FAKE_CLOCK_START_MS / 1000 + 1, nanos: 234_000_000 },
      });
    });
  });

  describe(toPolicyVerdict.name, () => {
    it('maps an allowed answer with its routes, DNS servers and metadata', () => {
      expect(toPolicyVerdict(aCheckPolicyResponse())).toEqual({
        allowed: true,
        denyReason: '',
        routes: ['10.10.0.0/16', '2001:db8::/32'],
        dnsServers: ['10.10.0.53', '2001:db8::53'],
        shouldDisconnect: false,
        metadata: { profile: 'staff' },
      });
    });

    it('drops routes and DNS servers from a denied answer', () => {
      const verdict = toPolicyVerdict(aCheckPolicyResponse({ allowed: false, deny_reason: 'outside working hours' }));

      expect(verdict).toMatchObject({ allowed: false, denyReason: 'outside working hours', routes: [], dnsServers: [] });
    });

    it('gives a denied answer without a reason a default one', () => {
      const verdict = toPolicyVerdict(aCheckPolicyResponse({ allowed: false, deny_reason: '' }));

      expect(verdict.denyReason).toBe('denied by the portal');
    });

    it('turns should_disconnect into a deny even when the answer says allowed', () => {
      const verdict = toPolicyVerdict(aCheckPolicyResponse({ allowed: true, should_disconnect: true }));

      expect(verdict).toMatchObject({ allowed: false, shouldDisconnect: true, routes: [], dnsServers: [] });
      expect(verdict.denyReason).not.toBe('');
    });

    it('clips a 10 KB deny reason', () => {
      const verdict = toPolicyVerdict(aCheckPolicyResponse({ allowed: false, deny_reason: 'x'.repeat(10 * 1024) }));

      expect(verdict.denyReason).toBe(`${'x'.repeat(MAX_REASON_LENGTH)}…`);
    });

    describe('refuses a hostile answer as UNAVAILABLE, naming the problem', () => {
      it.each([
        ['a prefix longer than 32 bits', '10.0.0.0/33'],
        ['no IP address in it', 'not-an-ip'],
        ['two slashes', '10.0.0.0/8/8'],
      ])('a route with %s', (_, route) => {
        const error = agentErrorFrom(() => toPolicyVerdict(aCheckPolicyResponse({ routes: ['10.10.0.0/16', route] })));

        expect(error.code).toBe(AgentErrorCode.Unavailable);
        expect(error.message).toBe(`portal answered CheckPolicy with route ${JSON.stringify(route)} is not an IP network`);
      });

      it('2,000 routes', () => {
        const routes = Array.from({ length: 2_000 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);

        const error = agentErrorFrom(() => toPolicyVerdict(aCheckPolicyResponse({ routes })));

        expect(error.code).toBe(AgentErrorCode.Unavailable);
        expect(error.message).toBe('portal answered CheckPolicy with 2000 routes (at most 1024)');
      });

      it('a DNS server carrying a shell command', () => {
        const error = agentErrorFrom(() => toPolicyVerdict(aCheckPolicyResponse({ dns_servers: ['8.8.8.8; rm'] })));

        expect(error.code).toBe(AgentErrorCode.Unavailable);
        expect(error.message).toBe('portal answered CheckPolicy with DNS server "8.8.8.8; rm" is not an IP address');
      });

      it('100 metadata entries', () => {
        const metadata = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key${i}`, 'value']));

        const error = agentErrorFrom(() => toPolicyVerdict(aCheckPolicyResponse({ metadata })));

        expect(error.code).toBe(AgentErrorCode.Unavailable);
        expect(error.message).toBe('portal answered CheckPolicy with 100 metadata entries (at most 64)');
      });

      it('a 10 KB metadata value', () => {
        const error = agentErrorFrom(() => toPolicyVerdict(aCheckPolicyResponse({ metadata: { note: 'n'.repeat(10_000) } })));

        expect(error.message).toBe('portal answered CheckPolicy with metadata entry "note" longer than 1024 characters');
      });

      it('even when the answer is a deny (a malformed answer is a failed call, not a verdict)', () => {
        const error = agentErrorFrom(() => toPolicyVerdict(aCheckPolicyResponse({ allowed: false, routes: ['not-an-ip'] })));

        expect(error.code).toBe(AgentErrorCode.Unavailable);
      });

      it('quotes at most 60 characters of the offending value', () => {
        const route = `10.0.0.0/${'9'.repeat(500)}`;

        const error = agentErrorFrom(() => toPolicyVerdict(aCheckPolicyResponse({ routes: [route] })));

        expect(error.message).toContain(JSON.stringify(route.slice(0, 60)));
        expect(error.message.length).toBeLessThan(150);
      });
    });
  });

  describe(toValidateSessionRequest.name, () => {
    it('maps every query field and stamps request_time from the given milliseconds', () => {
      const request = toValidateSessionRequest(aSessionQuery(), FAKE_CLOCK_START_MS + 1_234);

      expect(request).toEqual({
        username: 'alice',
        session_id: 'sess-alice-1',
        client_ip: '198.51.100.7',
        request_time: { seconds: FAKE_CLOCK_START_MS / 1000 + 1, nanos: 234_000_000 },
      });
    });
  });

  describe(toSessionVerdict.name, () => {
    it('maps a valid answer', () => {
      expect(toSessionVerdict(aValidateSessionResponse())).toEqual({ valid: true, invalidReason: '', forceDisconnect: false });
    });

    it('maps a revocation with its reason and force_disconnect', () => {
      const revoked = aValidateSessionResponse({ valid: false, invalid_reason: 'account revoked', force_disconnect: true });

      const verdict = toSessionVerdict(revoked);

      expect(verdict).toEqual({ valid: false, invalidReason: 'account revoked', forceDisconnect: true });
    });

    it('keeps force_disconnect on an answer that also says valid (the caller decides what wins)', () => {
      const verdict = toSessionVerdict(aValidateSessionResponse({ valid: true, force_disconnect: true }));

      expect(verdict).toMatchObject({ valid: true, forceDisconnect: true });
    });

    it('clips a 10 KB invalid reason to 1024 characters', () => {
      const verdict = toSessionVerdict(aValidateSessionResponse({ valid: false, invalid_reason: 'r'.repeat(10 * 1024) }));

      expect(verdict.invalidReason).toBe(`${'r'.repeat(MAX_REASON_LENGTH)}…`);
    });

    describe('reads missing or mistyped fields as false / empty', () => {
      it('an empty answer is not valid', () => {
        expect(toSessionVerdict({})).toEqual({ valid: false, invalidReason: '', forceDisconnect: false });
      });

      it('no answer object at all is not valid', () => {
        expect(toSessionVerdict(undefined)).toEqual({ valid: false, invalidReason: '', forceDisconnect: false });
      });

      it.each([
        ['the string "true"', 'true'],
        ['the number 1', 1],
        ['null', null],
      ])('valid given as %s is not valid', (_, valid) => {
        const hostile = { ...aValidateSessionResponse(), valid } as unknown as ValidateSessionResponse;

        expect(toSessionVerdict(hostile).valid).toBe(false);
      });

      it('a non-string invalid reason becomes empty', () => {
        const hostile = { valid: false, invalid_reason: { nested: 'object' } } as unknown as ValidateSessionResponse;

        expect(toSessionVerdict(hostile).invalidReason).toBe('');
      });

      it('force_disconnect given as a string is not a force_disconnect', () => {
        const hostile = { ...aValidateSessionResponse(), force_disconnect: 'yes' } as unknown as ValidateSessionResponse;

        expect(toSessionVerdict(hostile).forceDisconnect).toBe(false);
      });
    });
  });
});
