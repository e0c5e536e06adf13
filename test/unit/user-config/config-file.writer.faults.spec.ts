import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { ConfigFileWriter, type ConfigTarget } from '../../../src/user-config/config-file.writer';
import { agentErrorFromAsync } from '../builders/caught-error';
import { tempFilesIn } from '../builders/directory-snapshot';
import { FakeClock } from '../builders/fake-clock';
import { FaultyConfigFileSystem, type ConfigFileStep } from '../builders/faulty-config-file-system';

const OLD = `${'route = 10.1.0.0/16\n'.repeat(200)}`;
const NEW = `${'route = 10.2.0.0/16\n'.repeat(300)}`;

/*
 * A write interrupted at each step of the adapter: the file is then the old bytes or the new ones (never a mix, never
 * missing), no temp file is left, and a backup exists only when the new file is in place.
 */
describe(`${ConfigFileWriter.name} with a fault at each step`, () => {
  let root: string;
  let dir: string;
  let fs: FaultyConfigFileSystem;
  let sut: ConfigFileWriter;
  let target: ConfigTarget;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'config-writer-faults-'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeEach(() => {
    dir = mkdtempSync(join(root, 'dir-'));
    writeFileSync(join(dir, 'alice'), OLD, { mode: 0o640 });
    fs = new FaultyConfigFileSystem();
    sut = new ConfigFileWriter(fs, new FakeClock(), { backupRetention: 10 });
    // uid/gid of the running user, so fchown is a step that really runs.
    target = { dir, name: 'alice', mode: 0o640, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  });

  const backups = (): string[] => {
    try {
      return readdirSync(join(dir, '.backups'));
    } catch {
      return [];
    }
  };

  const stepsBeforeRename: ConfigFileStep[] = ['lstat', 'readNoFollow', 'openExclusive', 'fchmod', 'write', 'fchown', 'fsync', 'close', 'mkdir', 'readdir', 'link', 'rename'];

  it.each(stepsBeforeRename)('a fault in %s leaves the old file, no temp file and no backup', async (step) => {
    fs.failAt(step);
    const error = await agentErrorFromAsync(sut.write(target, NEW, { backup: true }));
    expect(fs.steps).toContain(step);
    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toBe(`could not write config in ${dir} (EIO)`);
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe(OLD);
    expect(tempFilesIn(dir)).toEqual([]);
    expect(backups()).toEqual([]);
  });

  it('a fault in fsyncDir, after the rename, leaves the new file and its backup and says the sync failed', async () => {
    fs.failAt('fsyncDir');
    const error = await agentErrorFromAsync(sut.write(target, NEW, { backup: true }));
    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toBe(`${join(dir, 'alice')} was replaced but ${dir} could not be synced to disk (EIO)`);
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe(NEW);
    expect(tempFilesIn(dir)).toEqual([]);
    expect(backups()).toHaveLength(1);
    expect(readFileSync(join(dir, '.backups', backups()[0]), 'utf8')).toBe(OLD);
  });

  it('a fault while deleting old backups still reports the write, which did happen', async () => {
    sut = new ConfigFileWriter(fs, new FakeClock(), { backupRetention: 1 });
    await sut.write(target, 'route = 10.3.0.0/16\n', { backup: true });
    fs.failAt('unlink');
    await expect(sut.write(target, NEW, { backup: true })).resolves.toMatchObject({ changed: true });
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe(NEW);
    expect(backups()).toHaveLength(2);
  });

  it('a restore interrupted before its rename leaves the current file', async () => {
    const { backupPath } = await sut.write(target, NEW, { backup: true });
    fs.failAt('rename');
    await agentErrorFromAsync(sut.restore(target, backupPath));
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe(NEW);
    expect(readFileSync(backupPath, 'utf8')).toBe(OLD);
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it.each(['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT'])('%s is FAILED_PRECONDITION naming the directory', async (code) => {
    fs.failAt('openExclusive', code);
    const error = await agentErrorFromAsync(sut.write(target, NEW, { backup: true }));
    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
    expect(error.message).toBe(`config dir ${dir} is not writable (${code})`);
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe(OLD);
  });

  it('ENOSPC in the middle of the data leaves the old file, not the half written', async () => {
    fs.failAt('write', 'ENOSPC');
    const error = await agentErrorFromAsync(sut.write(target, NEW, { backup: false }));
    expect(error.message).toBe(`config dir ${dir} is not writable (ENOSPC)`);
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe(OLD);
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('a new file whose write fails leaves no file at all', async () => {
    fs.failAt('fsync');
    await agentErrorFromAsync(sut.write({ ...target, name: 'bob' }, NEW, { backup: true }));
    expect(readdirSync(dir).sort()).toEqual(['alice']);
  });

  it('falls back to a copy when the backup dir is on another filesystem (EXDEV)', async () => {
    fs.failAt('link', 'EXDEV');
    const result = await sut.write(target, NEW, { backup: true });
    expect(fs.steps).toContain('copyFile');
    expect(readFileSync(result.backupPath, 'utf8')).toBe(OLD);
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe(NEW);
  });
});
