import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { ConfigFileSystem } from '../../../src/user-config/config-file.adapter';
import { agentErrorFromAsync } from '../builders/caught-error';

describe(ConfigFileSystem.name, () => {
  let dir: string;
  const sut = new ConfigFileSystem();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-file-adapter-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('readNoFollow', () => {
    it('returns the bytes of a regular file', async () => {
      writeFileSync(join(dir, 'alice'), 'route = 10.0.0.0/8\n');
      await expect(sut.readNoFollow(join(dir, 'alice'), 1024)).resolves.toEqual(Buffer.from('route = 10.0.0.0/8\n'));
    });

    it('returns undefined when there is no file', async () => {
      await expect(sut.readNoFollow(join(dir, 'nobody'), 1024)).resolves.toBeUndefined();
    });

    it('refuses a symlink, even to a readable file', async () => {
      writeFileSync(join(dir, 'secret'), 'root:x:0:0\n');
      symlinkSync(join(dir, 'secret'), join(dir, 'linked'));
      const error = await agentErrorFromAsync(sut.readNoFollow(join(dir, 'linked'), 1024));
      expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
      expect(error.message).toBe(`${join(dir, 'linked')} is a symbolic link; refusing to follow it`);
    });

    it('refuses a FIFO without blocking on it', async () => {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      const error = await agentErrorFromAsync(sut.readNoFollow(join(dir, 'fifo'), 1024));
      expect(error.message).toBe(`${join(dir, 'fifo')} is not a regular file`);
    });

    it('refuses a directory', async () => {
      await expect(sut.readNoFollow(dir, 1024)).rejects.toThrow('is not a regular file');
    });

    it('refuses a file over the size bound', async () => {
      writeFileSync(join(dir, 'big'), Buffer.alloc(1025, 'a'));
      await expect(sut.readNoFollow(join(dir, 'big'), 1024)).rejects.toThrow(`${join(dir, 'big')} is larger than 1024 bytes`);
      await expect(sut.readNoFollow(join(dir, 'big'), 1025)).resolves.toHaveLength(1025);
    });
  });

  it('openExclusive refuses an existing name and a symlink', async () => {
    writeFileSync(join(dir, 'taken'), 'x');
    await expect(sut.openExclusive(join(dir, 'taken'), 0o600)).rejects.toMatchObject({ code: 'EEXIST' });
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    await expect(sut.openExclusive(join(dir, 'dangling'), 0o600)).rejects.toMatchObject({ code: 'EEXIST' });
  });
});
