import type { SimulatorSwitches } from './simulator-switches';

/** The part of a grpc-js server call the pacer needs: it can be cancelled by the client or its deadline. */
export interface CancellableCall {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

interface WaitingCall {
  hung: boolean;
  finish(proceed: boolean): void;
}

/**
 * Holds each call for the latency switch, then for as long as the hang switch
 * is on. A call the client cancels (or whose deadline passes) stops waiting at
 * once and its timer is cleared, so hung or slow calls leave nothing behind.
 */
export class CallPacer {
  private readonly waiting = new Set<WaitingCall>();

  constructor(private readonly switches: SimulatorSwitches) {}

  /** Calls still waiting to be answered. */
  get pendingCount(): number {
    return this.waiting.size;
  }

  /** Resolves true when the call should be answered now, false when it was cancelled meanwhile. */
  waitToAnswer(call: CancellableCall): Promise<boolean> {
    if (call.cancelled) {
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onCancelled = (): void => entry.finish(false);
      const entry: WaitingCall = {
        hung: false,
        finish: (proceed) => {
          if (!this.waiting.delete(entry)) return;
          clearTimeout(timer);
          call.removeListener('cancelled', onCancelled);
          resolve(proceed);
        },
      };
      const afterLatency = (): void => {
        timer = undefined;
        if (this.switches.hang) {
          entry.hung = true;
        } else {
          entry.finish(true);
        }
      };
      this.waiting.add(entry);
      call.once('cancelled', onCancelled);
      const latencyMs = this.switches.latencyMs;
      if (latencyMs > 0) {
        timer = setTimeout(afterLatency, latencyMs);
      } else {
        afterLatency();
      }
    });
  }

  /** The hang switch went off: every hung call is answered now. */
  releaseHung(): void {
    for (const entry of [...this.waiting]) {
      if (entry.hung) entry.finish(true);
    }
  }

  /** The server is going away: nothing waiting will be answered. */
  abandonAll(): void {
    for (const entry of [...this.waiting]) {
      entry.finish(false);
    }
  }
}
