import { parsePolicy } from '../../../src/policy/policy-file.loader';
import { evaluatePolicy } from '../../../src/policy/policy.evaluator';

describe(evaluatePolicy.name, () => {
  const policy = parsePolicy(
    {
      default: { allow: false, deny_reason: 'not in policy' },
      users: {
        alice: { allow: true, routes: ['10.10.0.0/16'], dns_servers: ['10.10.0.53'] },
        mallory: { allow: false, deny_reason: 'account suspended', routes: ['10.99.0.0/16'] },
        quiet: { allow: false },
      },
      groups: {
        staff: { allow: true, routes: ['10.20.0.0/16'] },
        contractors: { allow: false, deny_reason: 'contract ended', dns_servers: ['10.20.0.53'] },
      },
      devices: {
        'lost-laptop': { allow: false, deny_reason: 'device reported lost' },
      },
    },
    '(test)',
  );

  it('allows a listed user with their routes and DNS servers', () => {
    expect(evaluatePolicy(policy, { username: 'alice', groupname: '' })).toEqual({
      allowed: true,
      denyReason: '',
      routes: ['10.10.0.0/16'],
      dnsServers: ['10.10.0.53'],
      matched: 'user',
    });
  });

  it('denies a listed user with their reason and no routes, even when the entry lists some', () => {
    expect(evaluatePolicy(policy, { username: 'mallory', groupname: 'staff' })).toEqual({
      allowed: false,
      denyReason: 'account suspended',
      routes: [],
      dnsServers: [],
      matched: 'user',
    });
  });

  it('gives a denied user entry without deny_reason a generic reason', () => {
    expect(evaluatePolicy(policy, { username: 'quiet', groupname: '' }).denyReason).toBe('denied by policy');
  });

  it("lets a device's entry win over the user's own entry", () => {
    const sut = evaluatePolicy(policy, { username: 'alice', groupname: 'staff', device: 'lost-laptop' });

    expect(sut).toMatchObject({ allowed: false, matched: 'device', denyReason: 'device reported lost', routes: [] });
  });

  it('ignores a device the policy does not list', () => {
    expect(evaluatePolicy(policy, { username: 'alice', groupname: '', device: 'laptop-a' }).matched).toBe('user');
  });

  it("lets the user's own entry win over their group", () => {
    const sut = evaluatePolicy(policy, { username: 'alice', groupname: 'contractors' });

    expect(sut).toMatchObject({ allowed: true, matched: 'user', routes: ['10.10.0.0/16'] });
  });

  it("applies the group's entry to an unlisted user in that group", () => {
    expect(evaluatePolicy(policy, { username: 'carol', groupname: 'staff' })).toEqual({
      allowed: true,
      denyReason: '',
      routes: ['10.20.0.0/16'],
      dnsServers: [],
      matched: 'group',
    });
  });

  it('denies by a group entry without handing out its DNS servers', () => {
    expect(evaluatePolicy(policy, { username: 'dave', groupname: 'contractors' })).toEqual({
      allowed: false,
      denyReason: 'contract ended',
      routes: [],
      dnsServers: [],
      matched: 'group',
    });
  });

  it('falls back to default for an unlisted user in an unlisted group', () => {
    expect(evaluatePolicy(policy, { username: 'erin', groupname: 'guests' })).toEqual({
      allowed: false,
      denyReason: 'not in policy',
      routes: [],
      dnsServers: [],
      matched: 'default',
    });
  });

  it('falls back to default for a user without a group', () => {
    expect(evaluatePolicy(policy, { username: 'erin', groupname: '' }).matched).toBe('default');
  });

  it('matches names exactly: case differs, no match', () => {
    expect(evaluatePolicy(policy, { username: 'Alice', groupname: 'Staff' }).matched).toBe('default');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'treats the username/group %j as unlisted, not as an Object.prototype member',
    (name) => {
      expect(evaluatePolicy(policy, { username: name, groupname: name })).toMatchObject({ allowed: false, matched: 'default' });
    },
  );

  it('allows everyone unlisted when default allows, with the default routes', () => {
    const openPolicy = parsePolicy({ default: { allow: true, routes: ['0.0.0.0/0'] } }, '(test)');

    expect(evaluatePolicy(openPolicy, { username: 'anyone', groupname: '' })).toEqual({
      allowed: true,
      denyReason: '',
      routes: ['0.0.0.0/0'],
      dnsServers: [],
      matched: 'default',
    });
  });

  it('denies everyone with "not in policy" when the policy has no default section', () => {
    const sut = evaluatePolicy(parsePolicy({}, '(test)'), { username: 'alice', groupname: 'staff' });

    expect(sut).toMatchObject({ allowed: false, denyReason: 'not in policy', matched: 'default' });
  });
});
