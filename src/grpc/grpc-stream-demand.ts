import type { Writable } from 'node:stream';
import type { StreamDemand } from '../logs/stream-demand';

/**
 * A server-streaming call's flow control as a StreamDemand. grpc-js's writable
 * completes a write only once HTTP/2 took the frame, so `writableNeedDrain`
 * turns true when the client stops reading (its window is full) and 'drain'
 * fires when it reads again. Nest's own writer buffers without limit once
 * `write` returns false; emitting only while this says ready keeps that buffer
 * empty.
 */
export function grpcStreamDemand(call: Writable): StreamDemand {
  return {
    isReady: () => !call.writableNeedDrain && !call.destroyed && !call.writableEnded,
    onReady: (listener) => {
      call.on('drain', listener);
      return () => call.off('drain', listener);
    },
  };
}
