// Child process output as bounded lines: occtl's event stream and the log readers (journalctl, tail) share it.

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = '\r';

/**
 * Cuts a byte stream into UTF-8 lines without holding more than `maxLineBytes`
 * of any one line: the rest of an over-long line is dropped up to its newline,
 * so a child printing a gigabyte without a newline costs at most that much memory.
 * Works on bytes so a multi-byte character split across chunks survives.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines `chunk` completes, without their line ends. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.append(chunk.subarray(start, newline));
      lines.push(this.take());
      start = newline + 1;
    }
    this.append(chunk.subarray(start));
    return lines;
  }

  /** The last line when the stream ended without a newline. */
  end(): string | undefined {
    return this.pendingBytes > 0 || this.overflowed ? this.take() : undefined;
  }

  private append(bytes: Buffer): void {
    if (this.overflowed || bytes.length === 0) return;
    const room = this.maxLineBytes - this.pendingBytes;
    if (bytes.length > room) {
      this.overflowed = true;
      bytes = bytes.subarray(0, room);
    }
    this.parts.push(bytes);
    this.pendingBytes += bytes.length;
  }

  private take(): string {
    const text = Buffer.concat(this.parts, this.pendingBytes).toString('utf8');
    this.parts = [];
    this.pendingBytes = 0;
    this.overflowed = false;
    return text.endsWith(CARRIAGE_RETURN) ? text.slice(0, -1) : text;
  }
}
