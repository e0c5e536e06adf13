import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBoundedTextFile } from '../../../src/config/bounded-file.reader';

/** Real files: the reader is the one filesystem edge of the boot-time loaders. */
describe(readBoundedTextFile.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-bounded-read-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, contents: string): string {
    const path = join(dir, name);
    writeFileSync(path, contents);
    return path;
  }

  it('reads a file of exactly the bound', () => {
    expect(readBoundedTextFile(file('a.yaml', 'x'.repeat(100)), 100)).toEqual({ ok: true, text: 'x'.repeat(100) });
  });

  it('refuses a file one byte past the bound, with its size', () => {
    expect(readBoundedTextFile(file('a.yaml', 'x'.repeat(101)), 100)).toEqual({ ok: false, reason: '101 bytes, more than the 100 allowed' });
  });

  it('stops reading a file whose size fstat does not report', () => {
    // /proc files report size 0; /proc/self/maps of a Node process is far more than 100 bytes.
    expect(readBoundedTextFile('/proc/self/maps', 100)).toEqual({ ok: false, reason: 'more than the 100 bytes allowed' });
  });

  it('refuses a FIFO without waiting for a writer', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);

    expect(readBoundedTextFile(fifo, 100)).toEqual({ ok: false, reason: 'not a file' });
  });

  it.each([
    ['a character device', '/dev/zero', 'not a file'],
    ['a directory', '/tmp', 'not a file'],
    ['a missing file', '/nonexistent/agent.yaml', 'file not found'],
  ])('refuses %s', (_name, path, reason) => {
    expect(readBoundedTextFile(path, 100)).toEqual({ ok: false, reason });
  });
});
