import { DecodeStep, FrameRefusal, Framing, NOTHING_DECODED } from './decode-step';

const NEWLINE = 0x0a;
const BLANK_LINE = /^[ \t\r]*$/;

/**
 * Newline-delimited JSON: one request per line, several per connection. A line longer than
 * `maxLineBytes` is refused the moment the limit is passed, so no more than that is ever held.
 * Lines holding only blanks are skipped (a person typing into `nc -U` sends them); they are not
 * requests, so they do not restart the connection's request timer.
 */
export class NdjsonFraming implements Framing {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private refused = false;

  constructor(private readonly maxLineBytes: number) {}

  get hasPartialRequest(): boolean {
    return this.pendingBytes > 0;
  }

  push(chunk: Buffer): DecodeStep {
    if (this.refused) return NOTHING_DECODED;
    const frames: Buffer[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, newline);
      if (this.pendingBytes + piece.length > this.maxLineBytes) {
        return { frames, refusal: this.refuse() };
      }
      const line = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.pendingBytes = 0;
      if (!BLANK_LINE.test(line.toString('latin1'))) frames.push(line);
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    if (this.pendingBytes + rest.length > this.maxLineBytes) {
      return { frames, refusal: this.refuse() };
    }
    if (rest.length > 0) {
      // A copy: a subarray would pin the whole (up to 64 KiB) chunk for a few trailing bytes.
      this.parts.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return frames.length === 0 ? NOTHING_DECODED : { frames };
  }

  private refuse(): FrameRefusal {
    this.refused = true;
    this.parts = [];
    this.pendingBytes = 0;
    return { reason: 'too_large', message: `request line is longer than ${this.maxLineBytes} bytes` };
  }
}
