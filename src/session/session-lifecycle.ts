import { Injectable, Logger } from '@nestjs/common';
import type { VpnSession } from './vpn-session';

/** Who told the agent. hook: ocserv's connect/disconnect-script; notify: NotifyConnect/NotifyDisconnect over gRPC. */
export type SessionSignalSource = 'hook' | 'notify' | 'occtl-event' | 'reconcile' | 'recovery' | 'agent';

export interface SessionStart {
  readonly session: VpnSession;
  /** ocserv's group; empty when the source did not say. */
  readonly groupname: string;
  readonly source: SessionSignalSource;
}

/** One report that a session ended; several may arrive for one end (the hook's and the event stream's). */
export interface SessionEndReport {
  readonly sessionId: string;
  readonly username: string;
  readonly source: SessionSignalSource;
  readonly atMs: number;
  /** The session as the store last had it, when it had it. */
  readonly lastKnown?: VpnSession;
  /** ocserv's reason text from `show events` ("user disconnected", "idle timeout", ...). */
  readonly ocservReason?: string;
  readonly durationSeconds?: number;
  /** The disconnect-script's STATS_BYTES_IN / STATS_BYTES_OUT. */
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  /** Free text a NotifyDisconnect caller gave. */
  readonly callerReason?: string;
  /** Reconciliation found ocserv restarted (another PID): the session ended with the old instance. */
  readonly ocservRestarted?: boolean;
}

/** The agent itself is about to end a session: the end that follows is reported with this reason. */
export interface SessionEndIntent {
  readonly sessionId: string;
  readonly username: string;
  readonly reason: 'ADMIN_FORCED' | 'POLICY_VIOLATION';
  /** Who and why, for metadata (e.g. "DisconnectUser by admin-cn: <reason>"). */
  readonly detail: string;
}

export interface SessionLifecycleListener {
  started(start: SessionStart): void;
  ended(report: SessionEndReport): void;
  ending(intent: SessionEndIntent): void;
  /** ocserv stopped answering or its event stream ended: `detail` says which. */
  ocservGone(detail: string): void;
  /**
   * The first reconciliation after start reached ocserv (told once); `live` is the store's
   * sessions after it (ocserv's, plus connects newer than its snapshot).
   */
  synced(live: readonly VpnSession[]): void;
}

/**
 * Where the session paths (hook, NotifyConnect, the occtl event stream, reconciliation,
 * DisconnectUser) announce starts and ends, so one listener (the event producer) sees all of
 * them and reports each session once. Listeners run synchronously in the caller's turn: a
 * connect's event is persisted before the hook gets its answer. A throwing listener is logged,
 * never the caller's failure.
 */
@Injectable()
export class SessionLifecycle {
  private readonly logger = new Logger(SessionLifecycle.name);
  private readonly listeners: SessionLifecycleListener[] = [];

  listen(listener: SessionLifecycleListener): void {
    this.listeners.push(listener);
  }

  started(start: SessionStart): void {
    this.each('started', (listener) => listener.started(start));
  }

  ended(report: SessionEndReport): void {
    this.each('ended', (listener) => listener.ended(report));
  }

  ending(intent: SessionEndIntent): void {
    this.each('ending', (listener) => listener.ending(intent));
  }

  ocservGone(detail: string): void {
    this.each('ocservGone', (listener) => listener.ocservGone(detail));
  }

  synced(live: readonly VpnSession[]): void {
    this.each('synced', (listener) => listener.synced(live));
  }

  private each(what: string, call: (listener: SessionLifecycleListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch (error) {
        this.logger.error({ msg: 'session lifecycle listener failed', what, error: String(error) });
      }
    }
  }
}
