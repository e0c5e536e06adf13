import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { CONFIG_FILE_MAX_BYTES, ConfigFileWriter, type ConfigTarget } from '../../../src/user-config/config-file.writer';
import { agentErrorFromAsync } from '../builders/caught-error';
import { snapshotDirectory } from '../builders/directory-snapshot';
import { FakeClock } from '../builders/fake-clock';
import { FaultyConfigFileSystem } from '../builders/faulty-config-file-system';

describe(ConfigFileWriter.name, () => {
  let root: string;
  let dir: string;
  let fs: FaultyConfigFileSystem;
  let clock: FakeClock;
  let sut: ConfigFileWriter;
  let target: ConfigTarget;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'config-writer-'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeEach(() => {
    dir = mkdtempSync(join(root, 'dir-'));
    fs = new FaultyConfigFileSystem();
    clock = new FakeClock();
    sut = new ConfigFileWriter(fs, clock, { backupRetention: 3 });
    target = { dir, name: 'alice', mode: 0o640 };
  });

  const fileText = (name = 'alice'): string => readFileSync(join(dir, name), 'utf8');

  it('creates a new file with exactly the configured mode, whatever the umask', async () => {
    const result = await sut.write({ ...target, mode: 0o666 }, 'route = 10.0.0.0/8\n', { backup: true });
    expect(result).toEqual({ path: join(dir, 'alice'), backupPath: '', changed: true });
    expect(fileText()).toBe('route = 10.0.0.0/8\n');
    expect(statSync(join(dir, 'alice')).mode & 0o7777).toBe(0o666);
  });

  it('does not touch the file when the content and mode are already as asked', async () => {
    await sut.write(target, 'route = 10.0.0.0/8\n', { backup: true });
    const inode = statSync(join(dir, 'alice')).ino;
    fs.steps.length = 0;
    await expect(sut.write(target, 'route = 10.0.0.0/8\n', { backup: true })).resolves.toEqual({
      path: join(dir, 'alice'),
      backupPath: '',
      changed: false,
    });
    expect(fs.steps).not.toContain('openExclusive');
    expect(statSync(join(dir, 'alice')).ino).toBe(inode);
  });

  it('rewrites equal content whose mode is not the configured one', async () => {
    writeFileSync(join(dir, 'alice'), 'route = 10.0.0.0/8\n');
    chmodSync(join(dir, 'alice'), 0o666);
    await expect(sut.write(target, 'route = 10.0.0.0/8\n', { backup: false })).resolves.toMatchObject({ changed: true });
    expect(statSync(join(dir, 'alice')).mode & 0o7777).toBe(0o640);
  });

  it('keeps the replaced file as a backup named by UTC time and sequence', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    const result = await sut.write(target, 'v2\n', { backup: true });
    expect(result.backupPath).toBe(join(dir, '.backups', 'alice.20250101T000000.000Z.0'));
    expect(readFileSync(result.backupPath, 'utf8')).toBe('v1\n');
    expect(statSync(join(dir, '.backups')).mode & 0o7777).toBe(0o700);
  });

  it('gives two backups in the same millisecond distinct names, in order', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    const first = await sut.write(target, 'v2\n', { backup: true });
    const second = await sut.write(target, 'v3\n', { backup: true });
    expect([first.backupPath, second.backupPath].map((path) => path.slice(dir.length + 1))).toEqual([
      '.backups/alice.20250101T000000.000Z.0',
      '.backups/alice.20250101T000000.000Z.1',
    ]);
    expect(readFileSync(second.backupPath, 'utf8')).toBe('v2\n');
  });

  it('continues the sequence after a restart instead of colliding with a backup on disk', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    await sut.write(target, 'v2\n', { backup: true });
    const restarted = new ConfigFileWriter(fs, clock, { backupRetention: 3 });
    await expect(restarted.write(target, 'v3\n', { backup: true })).resolves.toMatchObject({
      backupPath: join(dir, '.backups', 'alice.20250101T000000.000Z.1'),
    });
  });

  it('keeps only the newest backups up to the retention count', async () => {
    for (let version = 1; version <= 6; version += 1) {
      clock.advanceMs(1);
      await sut.write(target, `v${version}\n`, { backup: true });
    }
    const kept = await sut.listBackups(target);
    expect(kept.map((path) => readFileSync(path, 'utf8'))).toEqual(['v3\n', 'v4\n', 'v5\n']);
  });

  it('keeps the backups of other files out of the count', async () => {
    const alice2 = { ...target, name: 'alice2' };
    await sut.write(target, 'alice v1\n', { backup: true });
    await sut.write(target, 'alice v2\n', { backup: true });
    for (let version = 1; version <= 5; version += 1) await sut.write(alice2, `alice2 v${version}\n`, { backup: true });
    expect((await sut.listBackups(target)).map((path) => path.slice(dir.length + 1))).toEqual(['.backups/alice.20250101T000000.000Z.0']);
    expect(await sut.listBackups(alice2)).toHaveLength(3);
  });

  it('replaces a hand-written file over the size limit and keeps it as the backup', async () => {
    const huge = 'a'.repeat(CONFIG_FILE_MAX_BYTES + 1);
    writeFileSync(join(dir, 'alice'), huge);
    const result = await sut.write(target, 'route = 10.0.0.0/8\n', { backup: true });
    expect(fileText()).toBe('route = 10.0.0.0/8\n');
    expect(readFileSync(result.backupPath, 'utf8')).toBe(huge);
  });

  it('takes no backup when asked not to', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    await expect(sut.write(target, 'v2\n', { backup: false })).resolves.toMatchObject({ backupPath: '', changed: true });
    expect(await sut.listBackups(target)).toEqual([]);
  });

  it('restorePrevious puts the newest backup back, and again is no change', async () => {
    await sut.write(target, 'good\n', { backup: true });
    await sut.write(target, 'bad\n', { backup: true });
    await expect(sut.restorePrevious(target)).resolves.toMatchObject({ changed: true, backupPath: '' });
    expect(fileText()).toBe('good\n');
    await expect(sut.restorePrevious(target)).resolves.toMatchObject({ changed: false });
  });

  it('restore puts a named backup back and keeps the backup', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    const { backupPath } = await sut.write(target, 'v2\n', { backup: true });
    await sut.write(target, 'v3\n', { backup: true });
    await sut.restore(target, backupPath);
    expect(fileText()).toBe('v1\n');
    expect(readFileSync(backupPath, 'utf8')).toBe('v1\n');
  });

  it('restorePrevious without any backup is FAILED_PRECONDITION', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    const error = await agentErrorFromAsync(sut.restorePrevious(target));
    expect(error).toMatchObject({ code: AgentErrorCode.FailedPrecondition, message: `there is no backup of ${join(dir, 'alice')} to restore` });
  });

  it('restore of a backup that is not there is NOT_FOUND, of another file\'s backup INVALID_ARGUMENT', async () => {
    const missing = join(dir, '.backups', 'alice.20250101T000000.000Z.7');
    await expect(agentErrorFromAsync(sut.restore(target, missing))).resolves.toMatchObject({ code: AgentErrorCode.NotFound });
    const other = join(dir, '.backups', 'bob.20250101T000000.000Z.0');
    await expect(agentErrorFromAsync(sut.restore(target, other))).resolves.toMatchObject({ code: AgentErrorCode.InvalidArgument });
  });

  it.each(['../escape', 'a/b', '.', '..', '', '.backups', 'nul\u0000'])('refuses the name %j before any filesystem step', async (name) => {
    const before = snapshotDirectory(root);
    const error = await agentErrorFromAsync(sut.write({ ...target, name }, 'x\n', { backup: true }));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(fs.steps).toEqual([]);
    expect(snapshotDirectory(root)).toEqual(before);
  });

  it('refuses content over the size limit before any filesystem step', async () => {
    const error = await agentErrorFromAsync(sut.write(target, 'a'.repeat(CONFIG_FILE_MAX_BYTES + 1), { backup: true }));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(fs.steps).toEqual([]);
  });

  it('refuses a symlink at the path and leaves its target alone', async () => {
    writeFileSync(join(root, 'victim'), 'precious\n');
    symlinkSync(join(root, 'victim'), join(dir, 'alice'));
    const error = await agentErrorFromAsync(sut.write(target, 'route = 0.0.0.0/0\n', { backup: true }));
    expect(error).toMatchObject({
      code: AgentErrorCode.FailedPrecondition,
      message: `${join(dir, 'alice')} is a symbolic link; refusing to write through it`,
    });
    expect(readFileSync(join(root, 'victim'), 'utf8')).toBe('precious\n');
    expect(readdirSync(dir)).toEqual(['alice']);
  });

  it('refuses a FIFO at the path without blocking', async () => {
    execFileSync('mkfifo', [join(dir, 'alice')]);
    await expect(agentErrorFromAsync(sut.write(target, 'x\n', { backup: true }))).resolves.toMatchObject({
      message: `${join(dir, 'alice')} is not a regular file`,
    });
  });

  describe('read', () => {
    it('returns the text, or undefined when there is no file', async () => {
      await expect(sut.read(target)).resolves.toBeUndefined();
      writeFileSync(join(dir, 'alice'), '# hand written\nroute = 10.0.0.0/8\n');
      await expect(sut.read(target)).resolves.toBe('# hand written\nroute = 10.0.0.0/8\n');
    });

    it('refuses a symlink and bytes that are not UTF-8', async () => {
      symlinkSync('/etc/passwd', join(dir, 'alice'));
      await expect(agentErrorFromAsync(sut.read(target))).resolves.toMatchObject({ code: AgentErrorCode.FailedPrecondition });
      writeFileSync(join(dir, 'bob'), Buffer.from([0x72, 0xff, 0x0a]));
      await expect(sut.read({ ...target, name: 'bob' })).rejects.toThrow(`${join(dir, 'bob')} is not valid UTF-8`);
    });
  });

  it('serializes writes to one file while another file proceeds', async () => {
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let renames = 0;
    fs.beforeStep = async (step) => {
      if (step === 'rename' && (renames += 1) === 1) await firstHeld;
    };
    const first = sut.write(target, 'first\n', { backup: false });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = sut.write(target, 'second\n', { backup: false });
    await sut.write({ ...target, name: 'bob' }, 'bob\n', { backup: false });
    expect(fileText('bob')).toBe('bob\n');
    expect(fs.steps.filter((step) => step === 'openExclusive')).toHaveLength(2);
    releaseFirst();
    await Promise.all([first, second]);
    expect(fileText()).toBe('second\n');
  });
});
