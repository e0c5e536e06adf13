import { parsePolicyYaml } from '../../../src/policy/policy-file.loader';
import { MAX_DNS_SERVERS_PER_ENTRY, MAX_POLICY_USERS, MAX_ROUTES_PER_ENTRY } from '../../../src/policy/policy-limits.constant';
import { policyErrorFrom } from './policy-error.builder';

/** What a policy file may contain, and what each kind of mistake (or attack) is told. */
describe(parsePolicyYaml.name, () => {
  const problemsOf = (yaml: string): readonly string[] => policyErrorFrom(() => parsePolicyYaml(yaml, 'policy.yaml')).problems;

  describe('valid files', () => {
    it('reads the documented example format', () => {
      const sut = parsePolicyYaml(
        [
          'default:',
          '  allow: false',
          '  deny_reason: "not in policy"',
          'users:',
          '  alice: { allow: true, routes: ["10.10.0.0/16"], dns_servers: ["10.10.0.53"] }',
          '  mallory: { allow: false, deny_reason: "account suspended" }',
          'groups:',
          '  staff: { allow: true, routes: ["10.20.0.0/16"] }',
        ].join('\n'),
        'policy.yaml',
      );

      expect([...sut.users.keys()]).toEqual(['alice', 'mallory']);
      expect(sut.users.get('mallory')).toEqual({ allow: false, denyReason: 'account suspended', routes: [], dnsServers: [] });
      expect(sut.groups.get('staff')?.routes).toEqual(['10.20.0.0/16']);
    });

    it('treats a section whose entries are all commented out as empty', () => {
      const sut = parsePolicyYaml('default: {allow: false}\nusers:\n#  alice: {allow: true}\ngroups:\n', 'policy.yaml');

      expect(sut.users.size).toBe(0);
      expect(sut.groups.size).toBe(0);
    });

    it.each(['10.0.0.0/8', '192.0.2.1', '2001:db8::/32', '::/0', '0.0.0.0/0'])('accepts the route %j', (route) => {
      expect(parsePolicyYaml(`users:\n  a: {allow: true, routes: ["${route}"]}\n`, 'p').users.get('a')?.routes).toEqual([route]);
    });

    it.each(['a', 'alice.smith', 'alice@example.com', 'user+tag', '_svc', '0day', 'x'.repeat(64)])('accepts the name %j', (name) => {
      expect(parsePolicyYaml(`users:\n  "${name}": {allow: true}\n`, 'p').users.has(name)).toBe(true);
    });

    it('allows a few aliases for shared values', () => {
      const sut = parsePolicyYaml('groups:\n  a: &shared {allow: true, routes: ["10.0.0.0/8"]}\n  b: *shared\n', 'p');

      expect(sut.groups.get('b')?.routes).toEqual(['10.0.0.0/8']);
    });
  });

  describe('key paths in every message', () => {
    it('names an unknown top-level key and the keys allowed there', () => {
      expect(problemsOf('default: {allow: false}\nuser:\n  alice: {allow: true}\n')).toEqual([
        'user: unknown key (known keys here: default, users, groups, devices)',
      ]);
    });

    it('names an unknown key inside an entry and the keys an entry takes', () => {
      expect(problemsOf('users:\n  alice: {allow: true, rutes: ["10.0.0.0/8"]}\n')).toEqual([
        'users.alice.rutes: unknown key (known keys here: allow, deny_reason, routes, dns_servers)',
      ]);
    });

    it('says what type was expected, with the value it got', () => {
      expect(problemsOf('users:\n  alice: {allow: "true"}\ngroups:\n  staff: {allow: 1}\n')).toEqual([
        'users.alice.allow: got "true", expected boolean',
        'groups.staff.allow: got 1, expected boolean',
      ]);
    });

    it('takes YAML 1.2 booleans only: yes/no/on are strings', () => {
      expect(problemsOf('users:\n  alice: {allow: yes}\n')).toEqual(['users.alice.allow: got "yes", expected boolean']);
    });

    it('requires allow in every entry', () => {
      expect(problemsOf('users:\n  alice: {routes: ["10.0.0.0/8"]}\n')).toEqual(['users.alice.allow: missing, expected boolean']);
    });

    it('names the index of a bad route and of a bad DNS server', () => {
      expect(problemsOf('users:\n  a: {allow: true, routes: ["10.0.0.0/8", "10.0.0.0/33"], dns_servers: ["dns.example.com"]}\n')).toEqual([
        'users.a.routes.1: got "10.0.0.0/33", expected an IP network like 10.0.0.0/8 or 2001:db8::/32, or one address',
        'users.a.dns_servers.0: got "dns.example.com", expected an IPv4 or IPv6 address',
      ]);
    });

    it.each(['2001:db8::/129', '10.0.0.0/8/8', 'example.com/24', '10.0.0.0/', 'fe80::1%eth0', ''])('refuses the route %j', (route) => {
      expect(problemsOf(`users:\n  a: {allow: true, routes: ["${route}"]}\n`)).toHaveLength(1);
    });

    it('says a section must be a mapping', () => {
      expect(problemsOf('users: [alice, bob]\ngroups:\n  staff: true\n')).toEqual([
        'users: got a list, expected a mapping',
        'groups.staff: got true, expected a mapping',
      ]);
    });

    it('lists every problem of the file at once', () => {
      expect(problemsOf('users:\n  a: {allow: 1}\n  b: {allow: 2}\nextra: 3\n')).toHaveLength(3);
    });
  });

  describe('hostile and odd input', () => {
    it.each([
      ['empty', ''],
      ['only comments', '# nothing here\n'],
      ['null', '~\n'],
    ])('refuses an %s document', (_name, yaml) => {
      expect(problemsOf(yaml)).toEqual(['(top level): the policy is empty, expected a mapping with default:, users:, groups: and/or devices:']);
    });

    it.each([
      ['a list', '- alice\n- bob\n', 'a list'],
      ['a string', 'allow everyone\n', '"allow everyone"'],
      ['a number', '42\n', '42'],
    ])('refuses %s as the root', (_name, yaml, shown) => {
      expect(problemsOf(yaml)).toEqual([`(top level): got ${shown}, expected a mapping with default:, users:, groups: and/or devices:`]);
    });

    it('refuses names that do not fit the pattern, showing at most 64 characters of it and its length', () => {
      const long = 'a'.repeat(65);
      expect(problemsOf(`users:\n  "${long}": {allow: true}\n  "-rf": {allow: true}\n  "a b": {allow: true}\n  "élodie": {allow: true}\n`)).toEqual([
        `users: got key "${'a'.repeat(64)}…" (65 chars), expected 1-64 characters of A-Z a-z 0-9 . _ @ + -, not starting with . or -`,
        'users: got key "-rf", expected 1-64 characters of A-Z a-z 0-9 . _ @ + -, not starting with . or -',
        'users: got key "a b", expected 1-64 characters of A-Z a-z 0-9 . _ @ + -, not starting with . or -',
        'users: got key "élodie", expected 1-64 characters of A-Z a-z 0-9 . _ @ + -, not starting with . or -',
      ]);
    });

    it('refuses a __proto__ entry instead of dropping it silently', () => {
      expect(problemsOf('users:\n  __proto__: {allow: true}\n')).toEqual(['users.__proto__: reserved name, not allowed']);
    });

    it('refuses a key repeated in one mapping, with its line', () => {
      expect(problemsOf('users:\n  alice: {allow: true}\n  alice: {allow: false}\n')).toEqual([
        'YAML: key "alice" appears twice in one mapping (again at line 3, column 3)',
      ]);
    });

    it('refuses a "billion laughs" alias bomb quickly', () => {
      const bomb = [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
        'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
        'users: {x: {allow: true, routes: *f}}',
      ].join('\n');
      const startedAt = Date.now();

      expect(problemsOf(bomb)).toEqual([
        'YAML: aliases (*name) expand to more than 1000 nodes; give shared routes to a group instead',
      ]);
      expect(Date.now() - startedAt).toBeLessThan(1000);
    });

    it.each([
      ['!!binary', 'users:\n  a: !!binary aGVsbG8=\n'],
      ['!!set', 'users:\n  a: !!set {allow}\n'],
      ['!!timestamp', 'default:\n  allow: false\n  deny_reason: !!timestamp 2001-12-14\n'],
      ['a custom tag', 'users:\n  a: !js/function "return 1"\n'],
    ])('refuses %s rather than building a non-plain value', (_name, yaml) => {
      expect(problemsOf(yaml)[0]).toMatch(/^YAML: Unresolved tag/);
    });

    it('refuses a YAML syntax error with its position', () => {
      expect(problemsOf('users:\n  alice: {allow: true\n')[0]).toMatch(/^YAML: .*line \d+/);
    });

    it('refuses a merge key (<<) as an unknown key: YAML 1.2 has no merge', () => {
      expect(problemsOf('groups:\n  base: &b {allow: true}\n  staff:\n    <<: *b\n    routes: ["10.0.0.0/8"]\n')).toContain(
        'groups.staff.<<: unknown key (known keys here: allow, deny_reason, routes, dns_servers)',
      );
    });

    it('refuses nesting far deeper than a policy', () => {
      expect(problemsOf(`users: ${'['.repeat(40)}${']'.repeat(40)}\n`)[0]).toMatch(/nested more than 16 levels deep/);
    });

    it('refuses a deny_reason with a newline (it would forge a log line)', () => {
      expect(problemsOf('users:\n  a: {allow: false, deny_reason: "no\\n{\\"msg\\":\\"forged\\"}"}\n')).toEqual([
        expect.stringMatching(/^users\.a\.deny_reason: got .*, expected text without control characters/),
      ]);
    });

    it('refuses a deny_reason longer than 256 characters', () => {
      expect(problemsOf(`users:\n  a: {allow: false, deny_reason: "${'x'.repeat(257)}"}\n`)[0]).toMatch(
        /^users\.a\.deny_reason: got .*expected at most 256 characters$/,
      );
    });

    it(`refuses more than ${MAX_ROUTES_PER_ENTRY} routes in one entry`, () => {
      const routes = Array.from({ length: MAX_ROUTES_PER_ENTRY + 1 }, (_, i) => `"10.${i >> 8}.${i & 255}.0/24"`).join(',');
      expect(problemsOf(`users:\n  a: {allow: true, routes: [${routes}]}\n`)).toEqual([
        `users.a.routes: expected at most ${MAX_ROUTES_PER_ENTRY} routes`,
      ]);
    });

    it(`refuses more than ${MAX_DNS_SERVERS_PER_ENTRY} DNS servers in one entry`, () => {
      const servers = Array.from({ length: MAX_DNS_SERVERS_PER_ENTRY + 1 }, (_, i) => `"10.0.0.${i + 1}"`).join(',');
      expect(problemsOf(`users:\n  a: {allow: true, dns_servers: [${servers}]}\n`)).toEqual([
        `users.a.dns_servers: expected at most ${MAX_DNS_SERVERS_PER_ENTRY} DNS servers`,
      ]);
    });

    it(`refuses more than ${MAX_POLICY_USERS.toLocaleString('en-US')} users before validating any entry`, () => {
      // Flow style, one line: the cheapest YAML to parse, so the test stays fast.
      const entries = Array.from({ length: MAX_POLICY_USERS + 1 }, (_, i) => `u${i}: 0`).join(', ');

      expect(problemsOf(`users: {${entries}}\n`)).toEqual(['users: expected at most 100,000 users']);
    }, 60_000);
  });
});
