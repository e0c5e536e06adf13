import type { HookFraming } from '../hook-request';
import { LEGACY_FRAME_MAX_BYTES } from '../ipc-limits.constant';
import { DecodeStep, Framing, NOTHING_DECODED } from './decode-step';
import { LengthPrefixedFraming } from './length-prefixed-framing';
import { NdjsonFraming } from './ndjson-framing';

const LENGTH_PREFIX_FIRST_BYTE = 0x00;
const OPEN_BRACE = 0x7b;
/** Space, tab, CR, LF: blank lines before the first JSON line are allowed (see NdjsonFraming). */
const JSON_LINES_LEADING_BLANKS = new Set([0x20, 0x09, 0x0d, 0x0a]);

/**
 * Picks a connection's framing from its first byte (docs/hook.md): 0x00 (every valid length
 * prefix starts with it, as frames are at most 1 MiB) is the earlier agent's length-prefixed
 * framing; `{` or a blank is JSON lines; anything else is refused.
 */
export class FrameDecoder implements Framing {
  private framing: Framing | undefined;
  private chosen: HookFraming | undefined;
  private refused = false;

  constructor(private readonly maxRequestBytes: number) {}

  /** undefined until the first byte has arrived (or when it matched no framing). */
  get framingName(): HookFraming | undefined {
    return this.chosen;
  }

  get hasPartialRequest(): boolean {
    return this.framing?.hasPartialRequest ?? false;
  }

  push(chunk: Buffer): DecodeStep {
    if (this.refused || chunk.length === 0) return NOTHING_DECODED;
    if (this.framing === undefined) {
      const first = chunk[0] as number;
      if (first === LENGTH_PREFIX_FIRST_BYTE) {
        this.chosen = 'legacy';
        this.framing = new LengthPrefixedFraming(Math.min(LEGACY_FRAME_MAX_BYTES, this.maxRequestBytes));
      } else if (first === OPEN_BRACE || JSON_LINES_LEADING_BLANKS.has(first)) {
        this.chosen = 'ndjson';
        this.framing = new NdjsonFraming(this.maxRequestBytes);
      } else {
        this.refused = true;
        const shown = first.toString(16).padStart(2, '0');
        return {
          frames: [],
          refusal: {
            reason: 'bad_frame',
            message: `unknown framing: first byte 0x${shown}; expected '{' (JSON lines) or 0x00 (length-prefixed)`,
          },
        };
      }
    }
    return this.framing.push(chunk);
  }
}
