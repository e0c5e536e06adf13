/** Why a framing stopped reading a connection; the connection answers once and closes. */
export type FrameRefusalReason = 'too_large' | 'bad_frame';

export interface FrameRefusal {
  readonly reason: FrameRefusalReason;
  /** Written for the client: what was wrong with the bytes it sent. */
  readonly message: string;
}

/** What one chunk of input produced: complete request payloads, then possibly a refusal. */
export interface DecodeStep {
  /** Whole payloads, in arrival order, without their framing. */
  readonly frames: readonly Buffer[];
  /** Set once: the framing reads nothing after it. Frames before it are still answered. */
  readonly refusal?: FrameRefusal;
}

/** A pure, incremental decoder for one connection's byte stream. */
export interface Framing {
  push(chunk: Buffer): DecodeStep;
  /** True while part of a request has arrived but not all of it. */
  readonly hasPartialRequest: boolean;
}

export const NOTHING_DECODED: DecodeStep = Object.freeze({ frames: Object.freeze([]) });
