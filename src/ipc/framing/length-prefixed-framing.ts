import { LEGACY_LENGTH_PREFIX_BYTES } from '../ipc-limits.constant';
import { DecodeStep, FrameRefusal, Framing, NOTHING_DECODED } from './decode-step';

/**
 * The earlier agent's framing: a 4-byte big-endian length, then that many bytes of JSON, one
 * request per connection. The length is checked before any of the body is read: 0 and anything
 * over `maxFrameBytes` are refused at once, so a 4 GiB prefix costs 4 bytes. Bytes after the
 * one frame are ignored.
 */
export class LengthPrefixedFraming implements Framing {
  private readonly prefix = Buffer.alloc(LEGACY_LENGTH_PREFIX_BYTES);
  private prefixBytes = 0;
  private frameBytes: number | undefined;
  private parts: Buffer[] = [];
  private bodyBytes = 0;
  private finished = false;

  constructor(private readonly maxFrameBytes: number) {}

  get hasPartialRequest(): boolean {
    return !this.finished && this.prefixBytes > 0;
  }

  push(chunk: Buffer): DecodeStep {
    if (this.finished) return NOTHING_DECODED;
    let offset = 0;
    if (this.frameBytes === undefined) {
      offset = chunk.copy(this.prefix, this.prefixBytes, 0, LEGACY_LENGTH_PREFIX_BYTES - this.prefixBytes);
      this.prefixBytes += offset;
      if (this.prefixBytes < LEGACY_LENGTH_PREFIX_BYTES) return NOTHING_DECODED;
      const length = this.prefix.readUInt32BE(0);
      const refusal = this.checkLength(length);
      if (refusal !== undefined) {
        this.finished = true;
        return { frames: [], refusal };
      }
      this.frameBytes = length;
    }
    const wanted = this.frameBytes - this.bodyBytes;
    const body = chunk.subarray(offset, offset + wanted);
    if (body.length > 0) {
      this.parts.push(Buffer.from(body));
      this.bodyBytes += body.length;
    }
    if (this.bodyBytes < this.frameBytes) return NOTHING_DECODED;
    this.finished = true;
    const frame = Buffer.concat(this.parts, this.bodyBytes);
    this.parts = [];
    return { frames: [frame] };
  }

  private checkLength(length: number): FrameRefusal | undefined {
    if (length === 0) {
      return { reason: 'bad_frame', message: 'frame length 0 is invalid' };
    }
    if (length > this.maxFrameBytes) {
      return { reason: 'too_large', message: `frame of ${length} bytes is over the ${this.maxFrameBytes} byte limit` };
    }
    return undefined;
  }
}
