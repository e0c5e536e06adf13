import type { Socket } from 'node:net';
import { DecodeStep, FrameRefusal } from './framing/decode-step';
import { FrameDecoder } from './framing/frame-decoder';
import { encodeReply } from './framing/reply-encoding';
import type { HookFraming, HookRequest } from './hook-request';
import { decodeHookRequest } from './hook-request.mapper';
import type { IpcRejection } from './ipc-metrics';
import type { IpcReply } from './ipc-reply';
import { toIpcErrorAnswer, toRefusalReply } from './ipc-reply.mapper';

export interface IpcConnectionLimits {
  readonly maxRequestBytes: number;
  readonly requestTimeoutMs: number;
}

/** Answers one decoded request. Never rejects: failures are answers too. */
export interface IpcRequestHandler {
  handle(request: HookRequest, framing: HookFraming): Promise<IpcReply>;
}

export interface IpcConnectionObserver {
  /** The transport refused something on this connection (counted and logged by the server). */
  rejected(reason: IpcRejection, message: string): void;
  /** The socket is gone; called exactly once. */
  closed(): void;
}

type Pending = { readonly kind: 'frame'; readonly payload: Buffer } | { readonly kind: 'refusal'; readonly refusal: FrameRefusal };

/**
 * One hook connection: bytes -> requests -> answers, in order, one request at a time.
 * - While a request is being handled the socket is paused, so a client pipelining requests
 *   (or not reading answers) is held back by the kernel, not buffered here.
 * - The request timer runs while the agent waits for the client: from accept, and again
 *   after each answer. Data does not restart it, so a client trickling bytes is cut off; a
 *   connection with no request in progress is closed when it expires.
 * - A framing refusal or timeout is answered (when the socket still takes writes) and closes
 *   the connection; a malformed JSON line is answered and the connection goes on.
 */
export class IpcConnection {
  private readonly decoder: FrameDecoder;
  private readonly pending: Pending[] = [];
  private requestTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private handling = false;
  private waitingForDrain = false;
  private clientEnded = false;
  private finishing = false;
  private shuttingDown = false;
  private requestsSeen = 0;

  constructor(
    private readonly socket: Socket,
    private readonly limits: IpcConnectionLimits,
    private readonly handler: IpcRequestHandler,
    private readonly observer: IpcConnectionObserver,
  ) {
    this.decoder = new FrameDecoder(limits.maxRequestBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    // ECONNRESET, EPIPE: this connection's problem only; 'close' follows.
    socket.on('error', () => undefined);
    socket.once('close', () => this.onClose());
    this.startRequestTimer();
  }

  /**
   * No request of this connection is being decided: it has sent nothing yet, is
   * trickling one, or waits between requests. Such a connection may give its slot
   * to a newcomer when the server is full; one whose request is being decided may not.
   */
  get idle(): boolean {
    return !this.handling && !this.finishing;
  }

  /**
   * Gives up the slot at once for a newcomer: the refusal line (in this connection's
   * framing) goes into the kernel buffer and the socket is destroyed, so an evicted
   * socket never lingers and the agent's fds stay bounded by the cap.
   */
  evict(message: string): void {
    if (this.finishing) return;
    this.observer.rejected('evicted', message);
    this.write(toRefusalReply(message));
    this.finishing = true;
    this.socket.destroy();
  }

  /** Server shutdown: an idle connection goes now; a request in flight is answered first. */
  shutdown(): void {
    this.shuttingDown = true;
    if (!this.handling) this.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.finishing) return;
    this.enqueue(this.decoder.push(chunk));
    this.pump();
  }

  private onEnd(): void {
    this.clientEnded = true;
    this.pump();
  }

  private onClose(): void {
    this.finishing = true;
    this.pending.length = 0;
    this.clearRequestTimer();
    clearTimeout(this.lingerTimer);
    this.observer.closed();
  }

  private enqueue(step: DecodeStep): void {
    for (const payload of step.frames) this.pending.push({ kind: 'frame', payload });
    if (step.refusal !== undefined) {
      this.pending.push({ kind: 'refusal', refusal: step.refusal });
      // Nothing after a refusal is read: the framing is over for this connection.
      this.socket.pause();
    }
  }

  private pump(): void {
    while (!this.handling && !this.waitingForDrain && !this.finishing && !this.shuttingDown) {
      const next = this.pending.shift();
      if (next === undefined) break;
      if (next.kind === 'refusal') {
        this.refuse(next.refusal.reason, next.refusal.message);
        return;
      }
      this.clearRequestTimer();
      this.requestsSeen += 1;
      const framing = this.decoder.framingName ?? 'ndjson';
      let request: HookRequest;
      try {
        request = decodeHookRequest(framing, next.payload);
      } catch (error) {
        const { reply } = toIpcErrorAnswer(error, undefined);
        this.observer.rejected('bad_request', 'error' in reply ? reply.error : 'malformed request');
        this.write(reply);
        if (framing === 'legacy') return this.finish();
        continue;
      }
      void this.answer(request, framing);
    }
    this.afterPump();
  }

  private afterPump(): void {
    if (this.handling || this.finishing) return;
    if (this.shuttingDown) return this.finish();
    const idle = this.pending.length === 0;
    if (idle && this.clientEnded) {
      return this.decoder.hasPartialRequest
        ? this.refuse('bad_frame', 'the connection was closed in the middle of a request')
        : this.finish();
    }
    if (idle && !this.waitingForDrain) this.socket.resume();
    // Also while waiting for 'drain': a client that does not read its answers is closed in time.
    if (this.requestTimer === undefined) this.startRequestTimer();
  }

  private async answer(request: HookRequest, framing: HookFraming): Promise<void> {
    this.handling = true;
    this.socket.pause();
    let reply: IpcReply;
    try {
      reply = await this.handler.handle(request, framing);
    } catch (error) {
      // handle() does not reject; if it ever did, the client still gets a (deny) answer.
      reply = toIpcErrorAnswer(error, request.op).reply;
    }
    this.handling = false;
    if (this.finishing) return; // the client went away meanwhile
    this.write(reply);
    if (framing === 'legacy') return this.finish(); // one request per connection
    this.pump();
  }

  private onRequestTimeout(): void {
    this.requestTimer = undefined;
    if (this.handling || this.finishing) return;
    if (this.decoder.hasPartialRequest || this.requestsSeen === 0) {
      this.refuse('timeout', `no complete request within ${this.limits.requestTimeoutMs} ms`);
    } else {
      this.finish(); // idle between requests: a quiet close
    }
  }

  private refuse(reason: IpcRejection, message: string): void {
    this.observer.rejected(reason, message);
    this.write(toRefusalReply(message));
    this.finish();
  }

  private write(reply: IpcReply): void {
    if (!this.socket.writable) return;
    if (!this.socket.write(encodeReply(this.decoder.framingName, reply))) this.waitingForDrain = true;
  }

  /** Ends our side after what was written; destroys once flushed, or after a bounded linger. */
  private finish(): void {
    if (this.finishing) return;
    this.finishing = true;
    this.pending.length = 0;
    this.clearRequestTimer();
    this.socket.pause();
    this.socket.end(() => this.socket.destroy());
    // A client that neither reads nor closes cannot keep the socket: its buffer never flushes.
    this.lingerTimer = setTimeout(() => this.socket.destroy(), this.limits.requestTimeoutMs);
  }

  private startRequestTimer(): void {
    this.requestTimer = setTimeout(() => this.onRequestTimeout(), this.limits.requestTimeoutMs);
  }

  private clearRequestTimer(): void {
    clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
  }
}
