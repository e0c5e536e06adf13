import { AccessPolicy } from '../../../src/access/access-policy';
import type { CallerIdentity } from '../../../src/access/caller-identity';
import { ANONYMOUS_CALLER } from '../../../src/access/caller-identity';
import { Role } from '../../../src/access/role.enum';
import type { AccessConfig } from '../../../src/config/agent-config.schema';
import { anAgentConfig } from '../builders/agent-config.builder';

function anIdentity(commonNames: string[], subjectAltNames: string[] = []): CallerIdentity {
  return { commonNames, subjectAltNames, display: commonNames[0] ?? subjectAltNames[0] ?? 'anonymous' };
}

function accessConfig(access: Partial<AccessConfig> = {}): AccessConfig {
  return anAgentConfig({
    grpc: {
      access: {
        identities: {
          'portal-admin': Role.Admin,
          'portal-operator': Role.Operator,
          monitoring: Role.Reader,
          'spiffe://example.org/portal': Role.Operator,
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

    it('grants the role configured for a SAN', () => {
      expect(sut.roleFor(anIdentity(['unlisted-cn'], ['spiffe://example.org/portal']))).toBe(Role.Operator);
    });

    it('grants the highest role across the CN and the SANs', () => {
      expect(sut.roleFor(anIdentity(['monitoring'], ['portal-admin', 'spiffe://example.org/portal']))).toBe(Role.Admin);
    });

    it('does not lower a CN grant because a SAN has a lower one', () => {
      expect(sut.roleFor(anIdentity(['portal-admin'], ['monitoring']))).toBe(Role.Admin);
    });

    it('gives default_role (none by default) to a caller no name of which is listed', () => {
      expect(sut.roleFor(anIdentity(['stranger'], ['stranger.example.com']))).toBe(Role.None);
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

        expect(withDefault.roleFor(anIdentity([cn], [cn]))).toBe(Role.Reader);
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
