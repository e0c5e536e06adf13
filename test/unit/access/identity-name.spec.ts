import { canonicalIpAddress, IDENTITY_NAME_EXPECTED, parseIdentityName } from '../../../src/access/identity-name';

describe(parseIdentityName.name, () => {
  it.each([
    ['portal.example.com', ['cn:portal.example.com', 'dns:portal.example.com']],
    ['10.0.0.1', ['cn:10.0.0.1', 'dns:10.0.0.1', 'ip:10.0.0.1']],
    ['2001:db8::1', ['cn:2001:db8::1', 'dns:2001:db8::1', 'ip:2001:DB8:0:0:0:0:0:1']],
    ['cn:portal', ['cn:portal']],
    ['cn:host:8080', ['cn:host:8080']],
    ['dns:portal.example.com', ['dns:portal.example.com']],
    ['ip:2001:db8::1', ['ip:2001:DB8:0:0:0:0:0:1']],
    ['uri:spiffe://example.org/portal', ['uri:spiffe://example.org/portal']],
  ])('reads %j', (name, matchKeys) => {
    expect(parseIdentityName(name)).toEqual({ ok: true, matchKeys });
  });

  it.each([
    ['URI:spiffe://example.org/portal', IDENTITY_NAME_EXPECTED],
    ['DNS:portal.example.com', IDENTITY_NAME_EXPECTED],
    ['email:ops@example.com', IDENTITY_NAME_EXPECTED],
    ['IP Address:10.0.0.1', IDENTITY_NAME_EXPECTED],
    ['spiffe://example.org/portal', IDENTITY_NAME_EXPECTED],
    ['dns:', 'expected a name after dns:'],
    ['ip:portal.example.com', 'expected an IPv4 or IPv6 address after ip:'],
    ['ip:fe80::1%eth0', 'expected an IPv4 or IPv6 address after ip:'],
  ])('refuses %j', (name, problem) => {
    expect(parseIdentityName(name)).toEqual({ ok: false, problem });
  });
});

describe(canonicalIpAddress.name, () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['2001:0db8::0001', '2001:DB8:0:0:0:0:0:1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:DB8:0:0:0:0:0:1'],
    ['fe80::', 'FE80:0:0:0:0:0:0:0'],
    ['::ffff:10.0.0.1', '0:0:0:0:0:FFFF:A00:1'],
  ])('writes %s as %s', (value, canonical) => {
    expect(canonicalIpAddress(value)).toBe(canonical);
  });

  it('is undefined for a name', () => {
    expect(canonicalIpAddress('portal.example.com')).toBeUndefined();
  });
});
