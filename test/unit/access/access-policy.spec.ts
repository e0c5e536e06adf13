import { AccessPolicy } from '../../../src/access/access-policy';
import type { CallerIdentity, SubjectAltName } from '../../../src/access/caller-identity';
import { ANONYMOUS_CALLER } from '../../../src/access/caller-identity';
import { Role } from '../../../src/access/role.enum';
import type { AccessConfig } from '../../../src/config/agent-config.schema';
import { anAgentConfig } from '../builders/agent-config.builder';

/** SANs written as Node's type prefix would give them: `dns:a`, `uri:b`, `ip:c`, `email:d`. */
function anIdentity(commonNames: string[], subjectAltNames: string[] = []): CallerIdentity {
  const sans = subjectAltNames.map((text): SubjectAltName => {
    const [type, ...rest] = text.split(':');
    return { type: type as SubjectAltName['type'], value: rest.join(':') };
  });
  return { commonNames, subjectAltNames: sans, display: commonNames[0] ?? sans[0]?.value ?? 'anonymous' };
}

function accessConfig(access: Partial<AccessConfig> = {}): AccessConfig {
  return anAgentConfig({
    grpc: {
      access: {
        identities: {
          'portal-admin': Role.Admin,
          'portal-operator': Role.Operator,
          monitoring: Role.Reader,
          'uri:spiffe://example.org/portal': Role.Operator,
          'portal.example.com': Role.Operator,
          'cn:typed-cn': Role.Reader,
          'dns:typed.example.com': Role.Reader,
          'ip:2001:db8::7': Role.Reader,
        },
        ...access,
      },
    },
  }).grpc.access;
}

describe(AccessPolicy.name, () => {
  describe('with TLS', () => {
    const sut = new AccessPolicy(accessConfig(), false);

    it('grants the role configured for the CN', () => {
      expect(sut.roleFor(anIdentity(['monitoring']))).toBe(Role.Reader);
    });

    it('grants the role configured for a typed URI SAN', () => {
      expect(sut.roleFor(anIdentity(['unlisted-cn'], ['uri:spiffe://example.org/portal']))).toBe(Role.Operator);
    });

    it.each([
      ['a DNS SAN', ['unlisted-cn'], ['dns:portal.example.com']],
      ['the single CN', ['portal.example.com'], []],
    ])('grants an untyped name to %s', (_name, commonNames, sans) => {
      expect(sut.roleFor(anIdentity(commonNames, sans))).toBe(Role.Operator);
    });

    it('grants an untyped address to an IP SAN of the same address, however it is spelled', () => {
      const byAddress = new AccessPolicy(accessConfig({ identities: { '2001:db8::9': Role.Reader } }), false);

      expect(byAddress.roleFor(anIdentity(['x'], ['ip:2001:DB8:0:0:0:0:0:9']))).toBe(Role.Reader);
    });

    it.each([
      ['an email SAN', ['unlisted-cn'], ['email:portal.example.com']],
      ['a URI SAN', ['unlisted-cn'], ['uri:portal.example.com']],
      ['another SAN type', ['unlisted-cn'], ['other:portal.example.com']],
      ['one CN of two', ['portal.example.com', 'other'], []],
      ['the second CN of two', ['other', 'portal.example.com'], []],
    ])('does not grant an untyped name to %s', (_name, commonNames, sans) => {
      expect(sut.roleFor(anIdentity(commonNames, sans))).toBe(Role.None);
    });

    it.each([
      ['cn: to the single CN', ['typed-cn'], [], Role.Reader],
      ['cn: not to a DNS SAN', ['x'], ['dns:typed-cn'], Role.None],
      ['cn: not to one of two CNs', ['typed-cn', 'x'], [], Role.None],
      ['dns: to a DNS SAN', ['x'], ['dns:typed.example.com'], Role.Reader],
      ['dns: not to the CN', ['typed.example.com'], [], Role.None],
      ['uri: not to a DNS SAN', ['x'], ['dns:spiffe://example.org/portal'], Role.None],
      ['ip: to the IP SAN as Node prints it', ['x'], ['ip:2001:DB8:0:0:0:0:0:7'], Role.Reader],
      ['ip: not to a DNS SAN', ['x'], ['dns:2001:db8::7'], Role.None],
    ])('grants a typed name %s', (_name, commonNames, sans, role) => {
      expect(sut.roleFor(anIdentity(commonNames, sans))).toBe(role);
    });

    it('grants the highest role across the CN and the SANs', () => {
      expect(sut.roleFor(anIdentity(['monitoring'], ['dns:portal-admin', 'uri:spiffe://example.org/portal']))).toBe(Role.Admin);
    });

    it('does not lower a CN grant because a SAN has a lower one', () => {
      expect(sut.roleFor(anIdentity(['portal-admin'], ['dns:monitoring']))).toBe(Role.Admin);
    });

    it('gives the highest role when an untyped and a typed name grant the same match', () => {
      const both = new AccessPolicy(accessConfig({ identities: { 'dns:p.example': Role.Admin, 'p.example': Role.Reader } }), false);

      expect(both.roleFor(anIdentity(['x'], ['dns:p.example']))).toBe(Role.Admin);
    });

    it('gives default_role (none by default) to a caller no name of which is listed', () => {
      expect(sut.roleFor(anIdentity(['stranger'], ['dns:stranger.example.com']))).toBe(Role.None);
    });

    it('gives default_role to an anonymous caller', () => {
      expect(sut.roleFor(ANONYMOUS_CALLER)).toBe(Role.None);
    });

    it('gives a configured default_role to unknown callers', () => {
      const withDefault = new AccessPolicy(accessConfig({ default_role: Role.Reader }), false);

      expect(withDefault.roleFor(anIdentity(['stranger']))).toBe(Role.Reader);
    });

    it('matches names exactly, not by case or prefix', () => {
      expect(sut.roleFor(anIdentity(['Portal-Admin', 'portal-admin.evil.example']))).toBe(Role.None);
    });

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
      'gives default_role to a CN of %j instead of an Object.prototype member',
      (cn) => {
        // A default other than none, so a prototype member mistaken for a grant would show.
        const withDefault = new AccessPolicy(accessConfig({ default_role: Role.Reader }), false);

        expect(withDefault.roleFor(anIdentity([cn], [`dns:${cn}`]))).toBe(Role.Reader);
      },
    );
  });

  describe('with grpc.insecure', () => {
    it('gives insecure_role (reader by default) to every caller', () => {
      const sut = new AccessPolicy(accessConfig(), true);

      expect(sut.roleFor(ANONYMOUS_CALLER)).toBe(Role.Reader);
    });

    it('ignores identity grants, since no name was verified', () => {
      const sut = new AccessPolicy(accessConfig(), true);

      expect(sut.roleFor(anIdentity(['portal-admin']))).toBe(Role.Reader);
    });

    it('gives the configured insecure_role', () => {
      const sut = new AccessPolicy(accessConfig({ insecure_role: Role.Operator }), true);

      expect(sut.roleFor(anIdentity(['stranger']))).toBe(Role.Operator);
    });
  });
});
