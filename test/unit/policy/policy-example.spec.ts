import { join } from 'node:path';
import { loadPolicyFile } from '../../../src/policy/policy-file.loader';
import { evaluatePolicy } from '../../../src/policy/policy.evaluator';

/** docs/policy.example.yaml is what the demo runs and operators copy: it must load and say what the docs say. */
describe('docs/policy.example.yaml', () => {
  const sut = loadPolicyFile(join(__dirname, '..', '..', '..', 'docs', 'policy.example.yaml'));

  it('allows alice with a route and a DNS server', () => {
    expect(evaluatePolicy(sut, { username: 'alice', groupname: '' })).toMatchObject({
      allowed: true,
      routes: ['10.10.0.0/16'],
      dnsServers: ['10.10.0.53'],
    });
  });

  it('denies bob with a reason', () => {
    expect(evaluatePolicy(sut, { username: 'bob', groupname: 'staff' })).toMatchObject({ allowed: false, denyReason: 'account suspended' });
  });

  it('allows members of staff and denies everyone else', () => {
    expect(evaluatePolicy(sut, { username: 'carol', groupname: 'staff' })).toMatchObject({ allowed: true, matched: 'group' });
    expect(evaluatePolicy(sut, { username: 'carol', groupname: '' })).toMatchObject({ allowed: false, denyReason: 'not in policy' });
  });
});
