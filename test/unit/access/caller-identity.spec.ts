import type { PeerCertificate } from 'node:tls';
import { ANONYMOUS_CALLER, identityFromCertificate, parseSubjectAltName } from '../../../src/access/caller-identity';

/** subjectaltname exactly as Node 20 renders it for a certificate with these SANs (captured from X509Certificate). */
const NODE_RENDERED_SANS =
  'DNS:"a\\u002cb", DNS:portal.example.com, URI:spiffe://example.org/portal, IP Address:10.0.0.1, ' +
  'IP Address:2001:DB8:0:0:0:0:0:1, email:ops@example.com, DNS:"x\\u002c DNS:portal-admin"';

function aPeerCertificate(subject: Record<string, unknown> | undefined, subjectaltname?: string): PeerCertificate {
  return { subject, subjectaltname } as unknown as PeerCertificate;
}

describe('caller-identity', () => {
  describe(parseSubjectAltName.name, () => {
    it('returns no names for a certificate without SANs', () => {
      expect(parseSubjectAltName(undefined)).toEqual([]);
      expect(parseSubjectAltName('')).toEqual([]);
    });

    it('types each entry by its prefix', () => {
      expect(parseSubjectAltName('DNS:portal.example.com, URI:spiffe://example.org/portal, IP Address:10.0.0.1, email:ops@example.com')).toEqual([
        { type: 'dns', value: 'portal.example.com' },
        { type: 'uri', value: 'spiffe://example.org/portal' },
        { type: 'ip', value: '10.0.0.1' },
        { type: 'email', value: 'ops@example.com' },
      ]);
    });

    it('types othername, DirName and Registered ID entries as other', () => {
      expect(parseSubjectAltName('othername:<unsupported>, DirName:CN=x, Registered ID:1.2.3').map((san) => san.type)).toEqual([
        'other',
        'other',
        'other',
      ]);
    });

    it('reads every entry of the list Node renders, decoding JSON-quoted values', () => {
      expect(parseSubjectAltName(NODE_RENDERED_SANS).map((san) => san.value)).toEqual([
        'a,b',
        'portal.example.com',
        'spiffe://example.org/portal',
        '10.0.0.1',
        '2001:DB8:0:0:0:0:0:1',
        'ops@example.com',
        'x, DNS:portal-admin',
      ]);
    });

    it('keeps a quoted value that embeds ", DNS:name" as one value, so it cannot smuggle a second name', () => {
      expect(parseSubjectAltName('DNS:"evil, DNS:portal-admin"')).toEqual([{ type: 'dns', value: 'evil, DNS:portal-admin' }]);
    });

    it('decodes escaped quotes inside a quoted value', () => {
      expect(parseSubjectAltName('DNS:"say \\"hi\\", ok"')).toEqual([{ type: 'dns', value: 'say "hi", ok' }]);
    });
  });

  describe(identityFromCertificate.name, () => {
    it('is anonymous without a certificate', () => {
      expect(identityFromCertificate(undefined)).toBe(ANONYMOUS_CALLER);
    });

    it('is anonymous for the empty object TLS returns when the peer sent no certificate', () => {
      expect(identityFromCertificate({} as PeerCertificate)).toBe(ANONYMOUS_CALLER);
    });

    it('takes the CN and the SANs, and shows the CN', () => {
      expect(identityFromCertificate(aPeerCertificate({ CN: 'portal-admin', O: 'Example' }, 'DNS:portal.example.com'))).toEqual({
        commonNames: ['portal-admin'],
        subjectAltNames: [{ type: 'dns', value: 'portal.example.com' }],
        display: 'portal-admin',
      });
    });

    it('keeps every CN when the subject has several', () => {
      expect(identityFromCertificate(aPeerCertificate({ CN: ['first', 'second'] })).commonNames).toEqual(['first', 'second']);
    });

    it('shows the first SAN when there is no CN', () => {
      expect(identityFromCertificate(aPeerCertificate({ O: 'Example' }, 'DNS:portal.example.com')).display).toBe('portal.example.com');
    });

    it('shows "anonymous" for a subject without CN or SANs', () => {
      expect(identityFromCertificate(aPeerCertificate({ O: 'Example' })).display).toBe('anonymous');
    });

    it('reads the null-prototype subject object Node hands out', () => {
      const subject = Object.assign(Object.create(null) as Record<string, unknown>, { CN: 'monitoring' });

      expect(identityFromCertificate(aPeerCertificate(subject)).commonNames).toEqual(['monitoring']);
    });
  });
});
