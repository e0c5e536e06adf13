import { MainConfigChecks, MainConfigCheckInput } from '../../../src/user-config/main-config.checks';
import { AGENT_SOCKET, aMainConf } from '../builders/ocserv-main-conf.builder';

describe(MainConfigChecks.name, () => {
  const sut = new MainConfigChecks();
  const check = (candidate: string, overrides: Partial<MainConfigCheckInput> = {}) =>
    sut.check({ candidate, current: aMainConf(), agentSocketFile: AGENT_SOCKET, maxBytes: 1024 * 1024, ...overrides });

  it('accepts a plain valid file', () => {
    expect(check(aMainConf('route = 10.0.0.0/8', 'dns = 10.0.0.53', 'try-mtu-discovery = false'))).toEqual({ problems: [], warnings: [] });
  });

  it.each([
    ['max-clients = abc', 'max-clients = "abc"'],
    ['max-clients = -5', 'whole number 0-'],
    ['tcp-port = 99999', 'whole number 1-65535'],
    ['rate-limit-ms = 1.5', 'whole number'],
    ['log-level = 10', 'whole number 0-9'],
  ])('refuses the integer %s, which ocserv -t accepts', (line, expected) => {
    const { problems } = check(aMainConf(line));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('line 10');
    expect(problems[0]).toContain(expected);
  });

  it('refuses a boolean that ocserv would read as false, and accepts its own spellings', () => {
    expect(check(aMainConf('try-mtu-discovery = maybe')).problems[0]).toMatch(/line 10: try-mtu-discovery = "maybe".*expected true or false/);
    expect(check(aMainConf('try-mtu-discovery = YES', 'ping-leases = no')).problems).toEqual([]);
  });

  it.each(['route = 10.0.0.0/33', 'route = 10.0.0.0 /8', 'no-route = 10.0.0.0/255.0.255.0', 'route = 300.0.0.0/8', 'route = all'])(
    'refuses the route %s',
    (line) => {
      expect(check(aMainConf(line)).problems[0]).toContain('expected default, a network');
    },
  );

  it.each(['route = default', 'route = 10.0.0.0/255.255.0.0', 'no-route = 192.168.5.0/24', 'route = fd00::/48', 'route = "10.1.0.0/16"'])(
    'accepts the route %s',
    (line) => {
      expect(check(aMainConf(line)).problems).toEqual([]);
    },
  );

  it('refuses DNS servers and networks that are not addresses', () => {
    const { problems } = check(aMainConf('dns = notanip', 'ipv4-network = 300.1.1.0', 'ipv4-netmask = 255.0.255.0', 'ipv6-network = 10.0.0.0/8'));
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/line 10: dns.*address[\s\S]*line 11: ipv4-network[\s\S]*line 12: ipv4-netmask[\s\S]*line 13: ipv6-network/);
  });

  it.each([
    ['NUL', 'route = 10.0.0.0/8\u0000'],
    ['CR', 'route = 10.0.0.0/8\r'],
    ['ESC', 'banner = hi\u001b[2J'],
  ])('refuses a line with a %s character', (_name, line) => {
    expect(check(aMainConf(line)).problems[0]).toContain('line 10: contains a control character');
  });

  it('refuses an oversized file without parsing it', () => {
    const { problems } = check(aMainConf(`banner = ${'x'.repeat(2000)}`), { maxBytes: 1024 });
    expect(problems).toEqual([expect.stringMatching(/is \d+ bytes; main_config.max_file_bytes allows 1024/)]);
  });

  it('refuses an empty file', () => {
    expect(check('  \n\n').problems).toEqual(['config_content is empty']);
  });

  it('reports an unknown option as a warning, not a problem', () => {
    expect(check(aMainConf('foo-bar = 1'))).toEqual({ problems: [], warnings: ['config_content line 10: unknown option "foo-bar"; ocserv skips it'] });
  });

  it('refuses turning occtl off or leaving use-occtl out (its default is false)', () => {
    expect(check(aMainConf().replace('use-occtl = true', 'use-occtl = false')).problems).toEqual([expect.stringContaining('use-occtl must be true')]);
    expect(check(aMainConf().replace('use-occtl = true\n', '')).problems).toEqual([expect.stringContaining('absent means false')]);
  });

  it("refuses moving occtl's socket away from the agent's, including by dropping it (ocserv's default differs)", () => {
    const moved = check(aMainConf().replace(AGENT_SOCKET, '/run/elsewhere.sock'));
    expect(moved.problems).toEqual([expect.stringContaining('occtl-socket-file would be "/run/elsewhere.sock"')]);
    const dropped = check(aMainConf().replace(`occtl-socket-file = ${AGENT_SOCKET}\n`, ''));
    expect(dropped.problems).toEqual([expect.stringContaining('"/var/run/occtl.socket"')]);
  });

  it('refuses removing a [vhost:] section the current file has (ocserv 1.1.6 exits on that reload)', () => {
    const withVhost = aMainConf('[vhost:vpn.example.com]', 'auth = "plain[passwd=/etc/ocserv/p2]"', 'ipv4-network = 10.9.0.0/24');
    expect(check(aMainConf(), { current: withVhost }).problems).toEqual([expect.stringContaining('removes the [vhost:vpn.example.com] section')]);
    expect(check(withVhost, { current: aMainConf() }).problems).toEqual([]);
  });

  it('warns that a start-only option such as tcp-port changes only at the next restart', () => {
    expect(check(aMainConf().replace('tcp-port = 443', 'tcp-port = 8443')).warnings).toEqual([
      'tcp-port changed: ocserv reads it only at start, so it takes effect at the next restart',
    ]);
  });

  it('ignores comments and section-less noise, leaving syntax errors to ocserv -t', () => {
    expect(check(aMainConf('# max-clients = abc', '; route = bad', 'not an option line')).problems).toEqual([]);
  });

  it('reports at most 20 problems and says how many more there were', () => {
    const lines = Array.from({ length: 30 }, () => 'max-clients = x');
    const { problems } = check(aMainConf(...lines));
    expect(problems).toHaveLength(21);
    expect(problems[20]).toBe('... and 10 more');
  });
});
