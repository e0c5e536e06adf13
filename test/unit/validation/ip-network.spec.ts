import { ipAddressFamily, isIpAddress, isIpNetwork } from '../../../src/validation/ip-network';

/** One address and network check for config, the policy file, portal answers and the wire. */
describe('ip-network', () => {
  it.each([
    ['10.0.0.1', 4],
    ['2001:db8::1', 6],
    ['fe80::1%eth0', 0],
    ['10.0.0.1%eth0', 0],
    ['10.0.0.300', 0],
    ['localhost', 0],
    ['', 0],
  ])('gives %j the family %i', (value, family) => {
    expect(ipAddressFamily(value)).toBe(family);
    expect(isIpAddress(value)).toBe(family !== 0);
  });

  it.each(['10.0.0.0/8', '10.1.2.3', '2001:db8::/32', '0.0.0.0/0', '::/0', '192.168.0.0/32', '2001:db8::/128'])('accepts the route %j', (route) => {
    expect(isIpNetwork(route)).toBe(true);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/8/8', '10.0.0.0/', '10.0.0.0/x', 'fe80::%eth0/64', 'not-an-ip', '10.0.0.0/-1'])(
    'refuses the route %j',
    (route) => {
      expect(isIpNetwork(route)).toBe(false);
    },
  );
});
