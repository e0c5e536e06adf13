import { Test } from '@nestjs/testing';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SystemClock } from '../../../src/clock/clock';
import { ClockModule } from '../../../src/clock/clock.module';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { ConfigFileSystem } from '../../../src/user-config/config-file.adapter';
import { ConfigFileWriter, type ConfigTarget } from '../../../src/user-config/config-file.writer';
import { makeDirectoryReadOnly } from '../../support/read-only-directory';
import { agentErrorFromAsync } from '../../unit/builders/caught-error';
import { snapshotDirectory, tempFilesIn } from '../../unit/builders/directory-snapshot';
import { FakeClock } from '../../unit/builders/fake-clock';

/** Whether this machine can make a directory read-only for root; probed once, on a throwaway directory. */
function probeReadOnlyMechanism(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'config-writer-ro-probe-'));
  try {
    const readOnly = makeDirectoryReadOnly(probe);
    readOnly?.undo();
    return readOnly?.mechanism;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const READ_ONLY_MECHANISM = probeReadOnlyMechanism();
if (!READ_ONLY_MECHANISM) {
  console.warn('SKIPPED: read-only directory test: neither a read-only bind mount nor chattr +i is possible on this machine');
}
const itWithReadOnlyDir = READ_ONLY_MECHANISM ? it : it.skip;

/** A file's content big enough that a torn write would show: one marker repeated over ~8 KB. */
const versionText = (marker: string): string => `# version ${marker}\n${`route = 10.${marker.length}.0.0/16 # ${marker}\n`.repeat(256)}`;

describe(`${ConfigFileWriter.name} on the real filesystem`, () => {
  let root: string;
  let dir: string;
  let sut: ConfigFileWriter;
  let target: ConfigTarget;
  const undoReadOnly: Array<() => void> = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'config-writer-integration-'));
    // The writer and its adapter as UserConfigModule provides them (the rest of that module needs the whole agent config).
    const moduleRef = await Test.createTestingModule({ imports: [ClockModule], providers: [ConfigFileSystem, ConfigFileWriter] }).compile();
    sut = moduleRef.get(ConfigFileWriter);
  });

  afterAll(() => {
    for (const undo of undoReadOnly) undo();
    rmSync(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    dir = mkdtempSync(join(root, 'config-per-user-'));
    target = { dir, name: 'alice', mode: 0o640 };
  });

  it('refuses a symlink planted as the file and leaves its target untouched', async () => {
    const outside = mkdtempSync(join(root, 'outside-'));
    writeFileSync(join(outside, 'cron-job'), 'precious\n');
    symlinkSync(join(outside, 'cron-job'), join(dir, 'alice'));
    const before = snapshotDirectory(root);

    const error = await agentErrorFromAsync(sut.write(target, 'route = 0.0.0.0/0\n', { backup: true }));

    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
    expect(error.message).toBe(`${join(dir, 'alice')} is a symbolic link; refusing to write through it`);
    expect(snapshotDirectory(root)).toEqual(before);
  });

  it('refuses a symlinked .backups directory, and writes nothing through it or in place', async () => {
    writeFileSync(join(dir, 'alice'), 'old\n', { mode: 0o640 });
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    symlinkSync(elsewhere, join(dir, '.backups'));

    const error = await agentErrorFromAsync(sut.write(target, 'new\n', { backup: true }));

    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
    expect(error.message).toBe(`backup dir ${join(dir, '.backups')} is a symbolic link; refusing to follow it`);
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe('old\n');
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(tempFilesIn(dir)).toEqual([]);
  });

  itWithReadOnlyDir(`refuses a read-only directory (${READ_ONLY_MECHANISM}) with FAILED_PRECONDITION naming it, changing nothing`, async () => {
    writeFileSync(join(dir, 'alice'), 'old\n', { mode: 0o640 });
    const readOnly = makeDirectoryReadOnly(dir);
    if (!readOnly) throw new Error('the read-only mechanism probed at load is gone');
    undoReadOnly.push(() => readOnly.undo());
    const before = snapshotDirectory(dir);

    for (const request of [
      () => sut.write(target, 'new\n', { backup: true }),
      () => sut.write(target, 'new\n', { backup: false }),
      () => sut.write({ ...target, name: 'bob' }, 'new\n', { backup: true }),
    ]) {
      const error = await agentErrorFromAsync(request());
      expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
      expect(error.message).toMatch(new RegExp(`^config dir ${dir} is not writable \\((EROFS|EPERM)\\)$`));
    }
    expect(snapshotDirectory(dir)).toEqual(before);
    readOnly.undo();
  });

  it('gives two backups taken in the same millisecond distinct names', async () => {
    const frozen = new ConfigFileWriter(new ConfigFileSystem(), new FakeClock(), { backupRetention: 10 });
    await frozen.write(target, 'v1\n', { backup: true });
    const first = await frozen.write(target, 'v2\n', { backup: true });
    const second = await frozen.write(target, 'v3\n', { backup: true });
    expect(first.backupPath).not.toBe(second.backupPath);
    expect([readFileSync(first.backupPath, 'utf8'), readFileSync(second.backupPath, 'utf8')]).toEqual(['v1\n', 'v2\n']);
  });

  it('names every backup of a fast burst distinctly with the system clock', async () => {
    const writer = new ConfigFileWriter(new ConfigFileSystem(), new SystemClock(), { backupRetention: 50 });
    const backupPaths: string[] = [];
    for (let version = 0; version <= 30; version += 1) {
      backupPaths.push((await writer.write(target, `v${version}\n`, { backup: true })).backupPath);
    }
    const taken = backupPaths.slice(1);
    expect(new Set(taken).size).toBe(30);
    expect(taken.map((path) => readFileSync(path, 'utf8'))).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}\n`));
  });

  it('keeps the retention count (10 by default) of newest backups', async () => {
    for (let version = 0; version <= 15; version += 1) await sut.write(target, `v${version}\n`, { backup: true });
    const kept = await sut.listBackups(target);
    expect(kept.map((path) => readFileSync(path, 'utf8'))).toEqual(Array.from({ length: 10 }, (_, i) => `v${i + 5}\n`));
    expect(readdirSync(join(dir, '.backups'))).toHaveLength(10);
  });

  it('restores a named backup and rolls back to the previous one', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    const { backupPath: v1Backup } = await sut.write(target, 'v2\n', { backup: true });
    await sut.write(target, 'v3\n', { backup: true });

    await expect(sut.restorePrevious(target)).resolves.toMatchObject({ changed: true });
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe('v2\n');
    await sut.restore(target, v1Backup);
    expect(readFileSync(join(dir, 'alice'), 'utf8')).toBe('v1\n');
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('100 concurrent writes of one file end with one complete file equal to one of them, and readers never see a mix', async () => {
    const versions = Array.from({ length: 100 }, (_, i) => versionText(`writer-${i}`));
    await sut.write(target, versionText('initial'), { backup: false });
    const allowed = new Set([versionText('initial'), ...versions]);
    let writing = true;
    let reads = 0;
    const mixed: string[] = [];
    const reader = (async () => {
      while (writing) {
        const text = await readFile(join(dir, 'alice'), 'utf8');
        reads += 1;
        if (!allowed.has(text)) mixed.push(text.slice(0, 80));
      }
    })();

    const results = await Promise.all(versions.map((content) => sut.write(target, content, { backup: true })));
    writing = false;
    await reader;

    expect(versions).toContain(readFileSync(join(dir, 'alice'), 'utf8'));
    expect(results.every((result) => result.changed)).toBe(true);
    expect(reads).toBeGreaterThan(0);
    expect(mixed).toEqual([]);
    expect(tempFilesIn(dir)).toEqual([]);
    expect(readdirSync(join(dir, '.backups'))).toHaveLength(10);
  });

  it('100 concurrent writes of distinct files all land', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `user${i}`);
    await Promise.all(names.map((name) => sut.write({ ...target, name }, versionText(name), { backup: true })));
    for (const name of names) expect(readFileSync(join(dir, name), 'utf8')).toBe(versionText(name));
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it('creates .backups owner-only inside the config dir, which ocserv never reads as a user file', async () => {
    await sut.write(target, 'v1\n', { backup: true });
    await sut.write(target, 'v2\n', { backup: true });
    expect(existsSync(join(dir, '.backups'))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['.backups', 'alice']);
    expect(statSync(join(dir, '.backups')).mode & 0o7777).toBe(0o700);
  });
});
