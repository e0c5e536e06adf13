import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { OCSERV_OPTIONS, optionSpec } from '../../../src/user-config/ocserv-option.catalog';
import { normalizeOptionValue, prefixOfNetmask } from '../../../src/user-config/ocserv-option.validator';
import { agentErrorFrom } from '../builders/caught-error';

const normalized = (key: string, value: string) => normalizeOptionValue(key, value, 'routes[0]');
const refusal = (key: string, value: string) => agentErrorFrom(() => normalizeOptionValue(key, value, 'routes[0]'));

describe('ocserv option catalog', () => {
  it('has the 37 keys ocserv 1.1.6 and 1.3.0 read', () => {
    expect(OCSERV_OPTIONS).toHaveLength(37);
    expect(new Set(OCSERV_OPTIONS.map((spec) => spec.key)).size).toBe(37);
  });

  it('reads the 1.4.2 spelling tunnel-all-dns as tunnel_all_dns', () => {
    expect(optionSpec('tunnel-all-dns')?.key).toBe('tunnel_all_dns');
  });

  it('knows cgroup is gone in 1.5.0', () => {
    expect(optionSpec('cgroup')?.until).toBe('1.5.0');
  });
});

describe(normalizeOptionValue.name, () => {
  describe('routes', () => {
    it.each([
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['10.1.2.3/16', '10.1.0.0/16'],
      ['192.168.1.0/255.255.255.0', '192.168.1.0/24'],
      ['2001:DB8::1/32', '2001:db8::/32'],
      ['default', 'default'],
    ])('%s -> %s', (value, canonical) => {
      expect(normalized('route', value)).toBe(canonical);
    });

    it.each([
      ['a newline adding a route', '10.0.0.0/8\nroute = 0.0.0.0/0'],
      ['a carriage return', '10.0.0.0/8\r'],
      ['NUL', '10.0.0.0/8\u0000'],
      ['a Unicode line separator', '10.0.0.0/8\u2028route = 0.0.0.0/0'],
      ['prefix /33', '10.0.0.0/33'],
      ['a space inside', '10.0.0.0 /8'],
      ['a space at the end', '10.0.0.0/8 '],
      ['a bare IPv4 address (ocserv fails the login)', '10.0.0.1'],
      ['a bare IPv6 address (ocserv 1.5.1 fails the login)', '2001:db8::1'],
      ['/0 (ocserv fails the login; use default)', '0.0.0.0/0'],
      ['a non-contiguous netmask', '10.0.0.0/255.0.255.0'],
      ['an inline comment', '10.0.0.0/8 #x'],
      ['two slashes', '10.0.0.0/8/8'],
      ['a name', 'intranet'],
      ['a quote', '"10.0.0.0/8"'],
    ])('refuses %s with INVALID_ARGUMENT naming the field', (_label, value) => {
      const error = refusal('route', value);

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toMatch(/^routes\[0\]: /);
    });

    it('refuses a 1 MB value by its length, without echoing it', () => {
      const error = refusal('route', '1'.repeat(1024 * 1024));

      expect(error.message).toBe('routes[0]: a value is at most 1024 characters; got 1048576');
    });

    it.each([
      ['iroute', 'default'],
      ['no-route', 'default'],
      ['iroute', '::/0'],
    ])('%s refuses %s', (key, value) => {
      expect(refusal(key, value).code).toBe(AgentErrorCode.InvalidArgument);
    });

    it('route takes ::/0 (all IPv6 traffic)', () => {
      expect(normalized('route', '::/0')).toBe('::/0');
    });
  });

  it.each([
    ['dns', '10.0.0.53', '10.0.0.53'],
    ['dns', '2001:DB8::53', '2001:db8::53'],
    ['ipv4-dns', '10.0.0.53', '10.0.0.53'],
    ['split-dns', 'Corp.Example', 'corp.example'],
    ['restrict-user-to-routes', 'YES', 'true'],
    ['no-udp', 'false', 'false'],
    ['max-same-clients', '2', '2'],
    ['mtu', '1400', '1400'],
    ['rx-data-per-sec', '0', '0'],
    ['tx-data-per-sec', '125000', '125000'],
    ['net-priority', '0x1A', '0x1a'],
    ['restrict-user-to-ports', 'tcp(443),udp(53), icmp()', 'tcp(443), udp(53), icmp()'],
    ['restrict-user-to-ports', '!(tcp(22))', '!(tcp(22))'],
    ['ipv4-network', '192.168.5.7/24', '192.168.5.0/24'],
    ['ipv4-netmask', '255.255.255.0', '255.255.255.0'],
    ['cgroup', 'cpuset,cpu:vpn', 'cpuset,cpu:vpn'],
  ])('%s %s -> %s', (key, value, canonical) => {
    expect(normalized(key, value)).toBe(canonical);
  });

  it.each([
    ['dns', 'dns.example'],
    ['ipv4-dns', '2001:db8::53'],
    ['ipv6-dns', '10.0.0.53'],
    ['split-dns', 'evil..example'],
    ['split-dns', 'a b.example'],
    ['restrict-user-to-routes', 'maybe'],
    ['max-same-clients', '-1'],
    ['max-same-clients', '007'],
    ['max-same-clients', '99999999999'],
    ['mtu', '100'],
    ['rx-data-per-sec', '500'],
    ['net-priority', '8'],
    ['restrict-user-to-ports', 'tcp(70000)'],
    ['restrict-user-to-ports', 'tcp(22); reboot'],
    ['ipv4-netmask', '255.0.255.0'],
    ['cgroup', 'cpu:../../etc'],
    ['user-profile', '../profile.xml'],
    ['hostname', 'host\u0000name'],
  ])('%s refuses %j', (key, value) => {
    expect(refusal(key, value).code).toBe(AgentErrorCode.InvalidArgument);
  });

  it('refuses an unknown key, naming the field', () => {
    expect(refusal('cron-job', 'x').message).toMatch(/^routes\[0\]: "cron-job"/);
  });

  it('refuses an empty value', () => {
    expect(refusal('route', '').code).toBe(AgentErrorCode.InvalidArgument);
  });
});

describe(prefixOfNetmask.name, () => {
  it.each([
    ['255.255.255.255', 32],
    ['255.255.0.0', 16],
    ['0.0.0.0', 0],
    ['255.255.255.128', 25],
  ])('%s is /%d', (mask, prefix) => {
    expect(prefixOfNetmask(mask)).toBe(prefix);
  });
});
