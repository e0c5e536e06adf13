import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';

/** The text of a file, or why it cannot be used; `reason` reads after "<key>: <path>: " and before ", expected ...". */
export type BoundedFileRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Reads a regular file of at most `maxBytes` bytes as UTF-8. Stops reading one
 * byte past the bound, so a file that grows after fstat (or lies about its
 * size, as /proc files do) still costs at most `maxBytes` + one chunk.
 * O_NONBLOCK: opening a FIFO must not hang the boot waiting for a writer.
 */
export function readBoundedTextFile(path: string, maxBytes: number): BoundedFileRead {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, reason: fileErrorReason(error) };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      return { ok: false, reason: 'not a file' };
    }
    if (stat.size > maxBytes) {
      return { ok: false, reason: `${stat.size} bytes, more than the ${maxBytes} allowed` };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      const read = readSync(fd, chunk, 0, READ_CHUNK_BYTES, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > maxBytes) {
        return { ok: false, reason: `more than the ${maxBytes} bytes allowed` };
      }
    }
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (error) {
    return { ok: false, reason: fileErrorReason(error) };
  } finally {
    closeSync(fd);
  }
}

function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES') return 'not readable by the agent';
  if (code === 'EISDIR') return 'not a file';
  return code ?? String(error);
}
