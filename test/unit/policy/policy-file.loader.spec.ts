import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/config-error';
import { PolicyFileError } from '../../../src/policy/policy-file.error';
import { loadPolicyFile } from '../../../src/policy/policy-file.loader';
import { MAX_POLICY_FILE_BYTES } from '../../../src/policy/policy-limits.constant';
import { policyErrorFrom } from './policy-error.builder';

describe(loadPolicyFile.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-policy-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, contents: string | Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, contents);
    return path;
  }

  it('reads a valid file into a policy', () => {
    const path = file('policy.yaml', 'users:\n  alice:\n    allow: true\n    routes: ["10.10.0.0/16"]\n');

    const sut = loadPolicyFile(path);

    expect(sut.users.get('alice')).toEqual({ allow: true, denyReason: 'denied by policy', routes: ['10.10.0.0/16'], dnsServers: [] });
    expect(sut.defaultRule).toEqual({ allow: false, denyReason: 'not in policy', routes: [], dnsServers: [] });
  });

  it('refuses a missing file naming its absolute path', () => {
    const path = join(dir, 'absent.yaml');

    const sut = policyErrorFrom(() => loadPolicyFile(path));

    expect(sut.source).toBe(path);
    expect(sut.message).toContain(path);
    expect(sut.problems).toEqual(['policy file: file not found, expected a readable YAML policy file']);
  });

  it('resolves a relative path so the error names the real file', () => {
    const sut = policyErrorFrom(() => loadPolicyFile('no-such-policy.yaml'));

    expect(sut.source).toBe(join(process.cwd(), 'no-such-policy.yaml'));
  });

  it('refuses a directory', () => {
    expect(policyErrorFrom(() => loadPolicyFile(dir)).problems).toEqual([
      'policy file: not a file, expected a readable YAML policy file',
    ]);
  });

  it('refuses a file larger than the cap without parsing it', () => {
    const path = file('huge.yaml', Buffer.alloc(MAX_POLICY_FILE_BYTES + 1, 0x20));

    expect(policyErrorFrom(() => loadPolicyFile(path)).problems).toEqual([
      `policy file: ${MAX_POLICY_FILE_BYTES + 1} bytes, more than the ${MAX_POLICY_FILE_BYTES} allowed, expected a readable YAML policy file`,
    ]);
  });

  it('refuses an unreadable file', () => {
    if (process.getuid?.() === 0) {
      return; // root reads any file
    }
    const path = file('secret.yaml', 'default: {allow: false}\n');
    chmodSync(path, 0o000);

    expect(policyErrorFrom(() => loadPolicyFile(path)).problems).toEqual([
      'policy file: not readable by the agent, expected a readable YAML policy file',
    ]);
  });

  it('refuses an empty file instead of denying everyone silently', () => {
    const path = file('empty.yaml', '');

    expect(policyErrorFrom(() => loadPolicyFile(path)).problems).toEqual([
      '(top level): the policy is empty, expected a mapping with default:, users:, groups: and/or devices:',
    ]);
  });

  it('throws an error the agent boot treats as a configuration error', () => {
    const error = policyErrorFrom(() => loadPolicyFile(join(dir, 'absent.yaml')));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(PolicyFileError);
    expect(error.message).toMatch(/^invalid policy file \(/);
  });
});
