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
  /** What is left of the chunk given to feed(), not yet cut into lines. */
  private unread: Buffer | undefined;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines `chunk` completes, without their line ends. */
  push(chunk: Buffer): string[] {
    this.feed(chunk);
    const lines: string[] = [];
    for (let line = this.nextLine(); line !== undefined; line = this.nextLine()) lines.push(line);
    return lines;
  }

  /**
   * Pull side, for readers with flow control: hand over a chunk, then take its
   * lines one at a time with nextLine() (undefined once it is used up), so a
   * paused reader holds the chunks' bytes instead of every line cut from them.
   * A chunk fed before the last one is used up is appended to it (a paused
   * stream can still deliver a chunk it had already read).
   */
  feed(chunk: Buffer): void {
    this.unread = this.unread === undefined ? chunk : Buffer.concat([this.unread, chunk]);
  }

  /** Whether the chunk given to feed() still has bytes nextLine() has not looked at. */
  get hasUnread(): boolean {
    return this.unread !== undefined;
  }

  nextLine(): string | undefined {
    const chunk = this.unread;
    if (chunk === undefined) return undefined;
    const newline = chunk.indexOf(NEWLINE);
    if (newline === -1) {
      this.append(chunk);
      this.unread = undefined;
      return undefined;
    }
    this.append(chunk.subarray(0, newline));
    this.unread = newline + 1 < chunk.length ? chunk.subarray(newline + 1) : undefined;
    return this.take();
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
