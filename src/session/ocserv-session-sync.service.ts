import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Subscription } from 'rxjs';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import { OcctlEventStream } from '../occtl/occtl-event.stream';
import type { OcctlEvent, OcctlStatus, OcctlUser } from '../occtl/occtl-records';
import { OcctlService } from '../occtl/occtl.service';
import { sessionFromEvent, sessionIdOf, toNewSession, toSessionUpdate } from './ocserv-session.mapper';
import { ConnectsInFlight } from './connects-in-flight';
import { EndedSessions } from './ended-sessions';
import { OcservSyncMetrics } from './ocserv-sync-metrics';
import { SessionLifecycle, type SessionSignalSource } from './session-lifecycle';
import { SessionStore } from './session-store.service';

const JOB_NAME = 'ocserv-reconcile';
/**
 * With the hook socket on, how long a connect event waits for the hook's decision to
 * start before asking `occtl show id` (ocserv runs the connect-script after announcing the
 * connect; 30-60 ms later in a 50-client storm). Only delays the record of a session no
 * hook decided (connect-script not the hook, or the hook could not reach the agent).
 */
export const HOOK_DECISION_GRACE_MS = 2000;
/**
 * A session confirmed this recently (by its connect event or NotifyConnect) is
 * kept even when a snapshot lacks it: the snapshot may predate the connect. Not
 * applied right after an outage or an ocserv restart.
 */
const ABSENCE_GRACE_MS = 5_000;
/**
 * ocserv announces "connected user" before the session is connected: while its
 * connect-script runs (any script, not only the hook) `show id` answers a state such as
 * "pre-auth". Measured with 24 openconnect clients in a row (bench occtl): a single
 * `show id` missed one session in four runs out of four, and nothing asked again until
 * the next reconciliation (30 s). So the id is asked again after these pauses (3.85 s in
 * all), until it is connected, gone (refused) or disconnected.
 */
export const CONNECT_CONFIRM_DELAYS_MS: readonly number[] = [100, 250, 500, 1000, 2000];

export interface ReconcileReport {
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly ocservRestarted: boolean;
}

/** What the agent last knew of ocserv (health checks read this). */
export interface OcservSyncState {
  readonly reachable: boolean;
  readonly lastSuccessMs: number | undefined;
  readonly lastError: string | undefined;
  readonly status: OcctlStatus | undefined;
}

/**
 * Keeps the session store equal to what ocserv has: a full reconciliation at
 * start, every `session.reconcile_interval_seconds` and whenever the event
 * stream (re)starts (events during a gap are lost), and the connect/disconnect
 * events in between. ocserv is the source of truth; when it is unreachable the
 * store is left as it was until ocserv answers again.
 */
@Injectable()
export class OcservSessionSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OcservSessionSync.name);
  private readonly intervalMs: number;
  private readonly enabled: boolean;
  private readonly hookGraceMs: number;
  private readonly ended: EndedSessions;
  private subscriptions: Subscription[] = [];
  /** Set at shutdown: pending connect confirmations stop asking occtl. */
  private stopped = false;
  private inFlight: Promise<ReconcileReport> | undefined;
  private state: OcservSyncState = { reachable: false, lastSuccessMs: undefined, lastError: undefined, status: undefined };
  private everReached = false;
  /** SessionLifecycle.synced() is told once, after the first reconciliation that reached ocserv. */
  private syncedOnce = false;

  constructor(
    private readonly store: SessionStore,
    private readonly occtl: OcctlService,
    private readonly events: OcctlEventStream,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: OcservSyncMetrics,
    private readonly clock: Clock,
    config: ConfigService<AgentConfig, true>,
    private readonly connects: ConnectsInFlight,
    private readonly lifecycle: SessionLifecycle = new SessionLifecycle(),
  ) {
    this.intervalMs = config.get('session', { infer: true }).reconcile_interval_seconds * 1000;
    this.enabled = config.get('ocserv', { infer: true }).sync_sessions;
    this.hookGraceMs = config.get('ipc', { infer: true }).enabled ? HOOK_DECISION_GRACE_MS : 0;
    this.ended = new EndedSessions(clock);
  }

  get syncState(): OcservSyncState {
    return this.state;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.subscriptions = [
      this.events.events$.subscribe((event) => void this.onEvent(event)),
      this.events.started$.subscribe(() => void this.reconcileQuietly('event stream started')),
      // occtl show events ends when ocserv stops: find out now rather than at the next interval.
      this.events.interrupted$.subscribe(() => void this.reconcileQuietly('event stream ended')),
    ];
    const timer = setInterval(() => void this.reconcileQuietly('interval'), this.intervalMs);
    timer.unref();
    this.scheduler.addInterval(JOB_NAME, timer);
    void this.reconcileQuietly('agent start');
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
  }

  /**
   * Resolves when the store can be served as ocserv's session list: at once
   * while the last reconciliation reached ocserv (or syncing is off); otherwise
   * after reconciling now, and with UNAVAILABLE when ocserv still does not
   * answer: the last known list would be a guess (a stopped ocserv has no
   * sessions, a hung one may).
   */
  async whenCurrent(): Promise<void> {
    if (!this.enabled || this.state.reachable) return;
    try {
      await this.reconcile();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw AgentError.unavailable(`cannot list sessions: ${reason}`);
    }
  }

  /** One reconciliation; concurrent callers share the one in flight. */
  reconcile(): Promise<ReconcileReport> {
    this.inFlight ??= this.runReconcile().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Asks ocserv now (not sharing a reconciliation in flight) whether the same instance still
   * answers: false when occtl fails, ocserv reports itself offline (it is stopping), or another
   * instance answers. The event producer asks after an end ocserv did not explain.
   * With ocserv.sync_sessions false it answers true and asks nothing: the agent does not
   * follow ocserv then (sessions come from NotifyConnect/NotifyDisconnect, often with no
   * ocserv reachable), so a failing occtl says nothing about an end and must not turn every
   * notified end into SERVER_SHUTDOWN.
   */
  async sameOcservAnswers(): Promise<boolean> {
    if (!this.enabled) return true;
    try {
      const status = await this.occtl.showStatus();
      const known = this.state.status;
      return status.status === 'online' && (known === undefined || !isAnotherInstance(known, status));
    } catch {
      return false;
    }
  }

  /**
   * Marks sessions the agent itself ended (DisconnectUser) so a late snapshot does not bring
   * them back, and reports the end (the caller announced why with SessionLifecycle.ending()).
   */
  forget(sessionId: string): void {
    this.ended.add(sessionId);
    const session = this.store.remove(sessionId);
    if (session !== undefined) {
      this.lifecycle.ended({ sessionId, username: session.username, source: 'agent', atMs: this.clock.nowMs(), lastKnown: session });
    }
  }

  private async reconcileQuietly(reason: string): Promise<void> {
    try {
      const report = await this.reconcile();
      if (report.added + report.removed > 0 || report.ocservRestarted) {
        this.logger.log({ msg: 'sessions reconciled with ocserv', reason, ...report, sessions: this.store.count() });
      }
    } catch (error) {
      if (!(error instanceof AgentError)) {
        this.logger.error({ msg: 'session reconciliation failed', reason, error: String(error) });
      }
    }
  }

  private async runReconcile(): Promise<ReconcileReport> {
    const startedMs = this.clock.nowMs();
    let status: OcctlStatus;
    let users: OcctlUser[];
    try {
      [status, users] = await Promise.all([this.occtl.showStatus(), this.occtl.showUsers()]);
    } catch (error) {
      this.markUnreachable(error);
      throw error;
    }
    if (status.status !== 'online') {
      // A stopping ocserv answers "offline" (and no PID) until its socket goes: its sessions are ending.
      const offline = AgentError.unavailable(`ocserv reports status "${status.status}" (socket ${this.occtl.socketFile})`);
      this.markUnreachable(offline);
      throw offline;
    }
    const backFromOutage = this.everReached && !this.state.reachable;
    const ocservRestarted = this.noteStatus(status);
    // Back from an outage or a restart, nothing the store holds can be a connect the snapshot missed.
    const graceMs = backFromOutage || ocservRestarted ? 0 : ABSENCE_GRACE_MS;
    const seen = new Set<string>();
    let added = 0;
    let updated = 0;
    for (const user of users) {
      if (user.state !== 'connected' || this.ended.has(sessionIdOf(user.id))) continue;
      seen.add(sessionIdOf(user.id));
      const outcome = this.apply(user, 'reconcile');
      if (outcome === 'added') added += 1;
      if (outcome === 'updated') updated += 1;
    }
    let removed = 0;
    for (const session of this.store.list()) {
      if (!seen.has(session.sessionId) && session.updatedAtMs < startedMs - graceMs) {
        this.store.remove(session.sessionId);
        removed += 1;
        const end = { sessionId: session.sessionId, username: session.username, source: 'reconcile' as const, atMs: this.clock.nowMs() };
        this.lifecycle.ended({ ...end, lastKnown: session, ...(ocservRestarted ? { ocservRestarted } : {}) });
      }
    }
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      this.lifecycle.synced(this.store.list());
    }
    return { added, updated, removed, ocservRestarted };
  }

  /** Adds or refreshes one session from ocserv's data. */
  private apply(user: OcctlUser, source: SessionSignalSource): 'added' | 'updated' | 'skipped' {
    const sessionId = sessionIdOf(user.id);
    const existing = this.store.get(sessionId);
    try {
      // ocserv's metadata is informational: cut to the store's byte budget, never a reason to lose the session.
      if (existing !== undefined && existing.username === user.username) {
        const update = toSessionUpdate(user);
        this.store.update(sessionId, { ...update, metadata: this.store.fitMetadata(sessionId, update.metadata ?? {}) });
        return 'updated';
      }
      // A worker id (a pid) reused by another user after an ocserv restart.
      if (existing !== undefined) {
        this.store.remove(sessionId);
        this.lifecycle.ended({ sessionId, username: existing.username, source, atMs: this.clock.nowMs(), lastKnown: existing });
      }
      const session = toNewSession(user, this.clock.nowMs());
      const stored = this.store.add({ ...session, metadata: this.store.fitMetadata(sessionId, session.metadata) });
      this.lifecycle.started({ session: stored, groupname: user.groupname, source });
      return 'added';
    } catch (error) {
      this.logger.warn({ msg: 'session from ocserv not stored', session: sessionId, user: user.username, error: String(error) });
      return 'skipped';
    }
  }

  private async onEvent(event: OcctlEvent): Promise<void> {
    const sessionId = sessionIdOf(event.id);
    if (event.kind === 'disconnect') {
      this.ended.add(sessionId);
      const session = this.store.get(sessionId);
      const owned = session !== undefined && session.username === event.username;
      if (owned) this.store.remove(sessionId);
      this.lifecycle.ended({
        sessionId,
        username: event.username,
        source: 'occtl-event',
        atMs: this.clock.nowMs(),
        ...(owned ? { lastKnown: session } : {}),
        ...(event.reason === undefined ? {} : { ocservReason: event.reason }),
        ...(event.durationSeconds === undefined ? {} : { durationSeconds: event.durationSeconds }),
      });
      return;
    }
    // ocserv announces the connect before it runs its connect-script (the hook): wait for the
    // agent's own decision on it, which records the session when it allows it.
    const decided = this.connects.whenDecided(sessionId, event.username, this.hookGraceMs);
    if (decided !== undefined) {
      await decided;
      if (this.ended.has(sessionId)) return;
    }
    // Already recorded by the hook's connect (the agent allowed it): no `show id` per login,
    // which in a connect storm would be one occtl run per client; the next reconciliation
    // refreshes its details.
    if (this.store.get(sessionId)?.username === event.username) return;
    let user: OcctlUser | undefined;
    let asked = false;
    try {
      user = await this.occtl.showId(event.id);
      asked = true;
    } catch (error) {
      this.logger.debug({ msg: 'occtl show id after a connect event failed; using the event alone', session: sessionId, error: String(error) });
    }
    // The disconnect may have arrived while show id ran.
    if (this.ended.has(sessionId)) return;
    if (user !== undefined) {
      if (user.state === 'connected') this.apply(user, 'occtl-event');
      else await this.confirmWhenConnected(event.id, sessionId, event.username);
      return;
    }
    // ocserv 1.1.6 announces "connected user" even when the connect-script then refuses
    // the session, and sends no disconnect for it: when ocserv answered and does not know
    // the id, there is no session. Only when it could not be asked does the event stand alone.
    if (!asked && event.kind === 'connect' && this.store.get(sessionId) === undefined) {
      try {
        const stored = this.store.add(sessionFromEvent(event, this.clock.nowMs()));
        this.lifecycle.started({ session: stored, groupname: '', source: 'occtl-event' });
      } catch (error) {
        this.logger.warn({ msg: 'session from a connect event not stored', session: sessionId, error: String(error) });
      }
    }
  }

  /** Asks `show id` again (CONNECT_CONFIRM_DELAYS_MS) for a session ocserv knows but has not connected yet. */
  private async confirmWhenConnected(id: number, sessionId: string, username: string): Promise<void> {
    for (const delayMs of CONNECT_CONFIRM_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      if (this.stopped || this.ended.has(sessionId) || this.store.get(sessionId)?.username === username) return;
      let user: OcctlUser | undefined;
      try {
        user = await this.occtl.showId(id);
      } catch {
        return; // ocserv not answering: the next reconciliation decides
      }
      if (this.ended.has(sessionId)) return;
      if (user === undefined || user.username !== username) return; // refused by the connect-script, or the id is another's now
      if (user.state === 'connected') {
        this.apply(user, 'occtl-event');
        return;
      }
    }
    this.logger.debug({ msg: 'a connecting session never reached "connected"; left to the next reconciliation', session: sessionId, user: username });
  }

  private noteStatus(status: OcctlStatus): boolean {
    const previous = this.state.status;
    const restarted = previous !== undefined && isAnotherInstance(previous, status);
    if (restarted) {
      this.metrics.restarted();
      this.logger.warn({ msg: 'ocserv restarted', previous_pid: previous?.serverPid, pid: status.serverPid });
      this.lifecycle.ocservGone(`ocserv restarted (pid ${previous?.serverPid ?? '?'} -> ${status.serverPid ?? '?'})`);
    }
    if (!this.state.reachable && this.everReached) {
      this.logger.log({ msg: 'ocserv answers again', pid: status.serverPid });
      this.events.resumeNow();
    }
    this.everReached = true;
    this.metrics.reconciled();
    // A status without the server's identity (seen while ocserv starts) keeps the last known one.
    const known = status.serverPid === undefined && previous !== undefined ? previous : status;
    this.state = { reachable: true, lastSuccessMs: this.clock.nowMs(), lastError: undefined, status: known };
    return restarted;
  }

  private markUnreachable(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.metrics.unreachable();
    if (this.state.reachable || this.state.lastError === undefined) {
      this.logger.warn({ msg: 'ocserv unreachable; sessions are kept as they were until it answers', error: message });
    }
    if (this.state.reachable) this.lifecycle.ocservGone(message);
    this.state = { ...this.state, reachable: false, lastError: message };
  }
}

/** Another ocserv instance answers: its PID or start time differ (only what both statuses state is compared). */
function isAnotherInstance(previous: OcctlStatus, current: OcctlStatus): boolean {
  const differs = <T>(a: T | undefined, b: T | undefined) => a !== undefined && b !== undefined && a !== b;
  return differs(previous.serverPid, current.serverPid) || differs(previous.upSinceMs, current.upSinceMs);
}
