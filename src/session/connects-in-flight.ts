import { Injectable } from '@nestjs/common';

/**
 * At most this many connect decisions are tracked, and as many connect events wait, at
 * once (~300 bytes each, so at most ~6 MB); past it a connect event falls back to `occtl
 * show id` at once, as before. Decisions in flight are bounded anyway by
 * ipc.max_connections and the gRPC server's streams, waiters by ocserv's clients.
 */
export const MAX_CONNECTS_IN_FLIGHT = 10_000;

interface PendingConnect {
  readonly username: string;
  readonly settled: Promise<void>;
}

/** A connect event waiting for the hook's decision to start. */
interface Waiter {
  readonly username: string;
  readonly started: (settled: Promise<void>) => void;
}

/**
 * Connect decisions (hook or NotifyConnect) being made now, by session id. ocserv 1.1.6
 * announces "connected user" on its event stream before it runs the connect-script
 * (measured: the event reaches the agent 30-60 ms before the hook's request does). The
 * session sync waits for that decision, which records the session when it allows it,
 * instead of starting one `occtl show id` child per login (in a 50-client storm: 50
 * `show id` runs, the largest share of the agent's CPU per hook login).
 */
@Injectable()
export class ConnectsInFlight {
  private readonly pending = new Map<string, PendingConnect>();
  private readonly waiting = new Map<string, Waiter>();

  /** Decisions tracked, and connect events waiting for one to start. */
  get size(): { readonly pending: number; readonly waiting: number } {
    return { pending: this.pending.size, waiting: this.waiting.size };
  }

  /** Runs `decide` while tracked under `sessionId`; resolves or rejects as it does. */
  track<T>(sessionId: string, username: string, decide: () => Promise<T>): Promise<T> {
    const decision = decide();
    if (this.pending.has(sessionId) || this.pending.size >= MAX_CONNECTS_IN_FLIGHT) return decision;
    const settled = decision.then(
      () => undefined,
      () => undefined,
    );
    const entry: PendingConnect = { username, settled };
    this.pending.set(sessionId, entry);
    const waiter = this.waiting.get(sessionId);
    if (waiter !== undefined && waiter.username === username) waiter.started(settled);
    void settled.then(() => {
      if (this.pending.get(sessionId) === entry) this.pending.delete(sessionId);
    });
    return decision;
  }

  /**
   * Settles when the decision for this session and user is made, or, when none is pending,
   * when one that starts within `graceMs` is made; after `graceMs` if none starts. Never
   * rejects. Undefined when there is nothing to wait for (no grace, or the waiters' cap).
   */
  whenDecided(sessionId: string, username: string, graceMs = 0): Promise<void> | undefined {
    const entry = this.pending.get(sessionId);
    if (entry !== undefined) return entry.username === username ? entry.settled : undefined;
    if (graceMs <= 0 || this.waiting.has(sessionId) || this.waiting.size >= MAX_CONNECTS_IN_FLIGHT) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting.get(sessionId) === waiter) this.waiting.delete(sessionId);
        resolve();
      }, graceMs);
      // A wait must not keep a stopping agent alive.
      timer.unref();
      const waiter: Waiter = {
        username,
        started: (settled) => {
          clearTimeout(timer);
          this.waiting.delete(sessionId);
          resolve(settled);
        },
      };
      this.waiting.set(sessionId, waiter);
    });
  }
}
