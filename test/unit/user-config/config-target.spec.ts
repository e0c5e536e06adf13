import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { resolveBackupPath, resolveTarget } from '../../../src/user-config/config-target';
import { agentErrorFrom } from '../builders/caught-error';

const target = (name: string) => ({ dir: '/etc/ocserv/config-per-user', name, mode: 0o640 });

describe(resolveTarget.name, () => {
  it('puts the file directly inside its directory', () => {
    expect(resolveTarget(target('alice'))).toEqual({ dir: '/etc/ocserv/config-per-user', path: '/etc/ocserv/config-per-user/alice' });
  });

  it.each([
    ['a parent escape', '../../etc/cron.d/x'],
    ['a subdirectory', 'a/b'],
    ['the directory itself', '.'],
    ['the parent', '..'],
    ['an empty name', ''],
    ['the backup directory', '.backups'],
    ['a temp file name', '.alice.0123.tmp'],
    ['a NUL', 'alice\u0000'],
    ['a newline', 'alice\nbob'],
  ])('refuses %s with INVALID_ARGUMENT', (_, name) => {
    const error = agentErrorFrom(() => resolveTarget(target(name)));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message).toContain('config file name');
  });

  it('refuses a mode that is not a file mode', () => {
    expect(agentErrorFrom(() => resolveTarget({ ...target('alice'), mode: 0o10000 })).code).toBe(AgentErrorCode.InvalidArgument);
  });
});

describe(resolveBackupPath.name, () => {
  const backupDir = '/etc/ocserv/config-per-user/.backups';

  it('accepts an absolute path or a bare file name of a backup of this file', () => {
    expect(resolveBackupPath(target('alice'), `${backupDir}/alice.20250101T000000.000Z.0`)).toBe(`${backupDir}/alice.20250101T000000.000Z.0`);
    expect(resolveBackupPath(target('alice'), 'alice.20250101T000000.000Z.0')).toBe(`${backupDir}/alice.20250101T000000.000Z.0`);
  });

  it.each([
    ['another user\'s backup', `${backupDir}/bob.20250101T000000.000Z.0`],
    ['the live file', '/etc/ocserv/config-per-user/alice'],
    ['a path out of the backup dir', `${backupDir}/../../../shadow`],
    ['a path elsewhere named like a backup', '/tmp/alice.20250101T000000.000Z.0'],
  ])('refuses %s', (_, path) => {
    expect(agentErrorFrom(() => resolveBackupPath(target('alice'), path)).code).toBe(AgentErrorCode.InvalidArgument);
  });
});
