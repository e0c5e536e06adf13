import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { ThrottledLog } from '../logging/throttled-log';
import { EventReporter, type EventAnswer } from '../portal/event-reporter';
import { PortalFailure, PortalFailureKind } from '../portal/portal-failure';
import { DeliveredCommits } from './delivered-commits';
import { DeliveryPause } from './delivery-pause';
import { EventAnswerHandler } from './event-answer.handler';
import { EventOutbox } from './outbox/event-outbox';
import { RetryBackoff } from './retry-backoff';
import type { StoredEvent } from './session-event';
import { SessionEventsMetrics } from './session-events-metrics';

/** With nothing due and nothing recorded (notify() not called), look again this often anyway. */
export const IDLE_RECHECK_MS = 30_000;
/**
 * Something is due but could not be leased: it waits behind its session's head, which is on
 * the wire or waiting for its commit. Those wake the loop when they settle; this recheck only
 * covers an event of another session coming due meanwhile (nextDueMs() reports the earliest
 * of all, the blocked one included).
 */
export const BLOCKED_RECHECK_MS = 100;
/** After the loop itself failed (an outbox read threw), try again after this. */
export const LOOP_ERROR_RETRY_MS = 1_000;
/** stop() waits at most this long (and never longer than events.call_timeout_ms) for calls on the wire. */
export const STOP_DRAIN_MAX_MS = 5_000;
/** One log line per failure kind per interval while sends keep failing; the metrics count every one. */
export const FAILURE_LOG_INTERVAL_MS = 30_000;

type DelivererState = 'idle' | 'running' | 'draining';

/**
 * Sends the outbox's events to the portal: up to events.max_in_flight calls at once, sessions
 * in parallel, each session in order (the outbox leases only a session's oldest event, and
 * the next once the previous one is committed delivered). A failed send is retried with
 * exponential backoff and full jitter (events.retry_initial_ms doubling per attempt, capped
 * at events.retry_max_ms); an unreachable portal pauses every send (DeliveryPause).
 *
 * The loop is event-driven: it runs when a call settles, on notify(), or on a timer set to
 * the next due event; it never polls faster than BLOCKED_RECHECK_MS and nothing it does throws.
 */
@Injectable()
export class EventDeliverer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventDeliverer.name);
  private readonly failureLog: ThrottledLog;
  private readonly enabled: boolean;
  private readonly maxInFlight: number;
  private readonly callTimeoutMs: number;
  private readonly backoff: RetryBackoff;
  private readonly pause: DeliveryPause;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly commits: DeliveredCommits;
  private state: DelivererState = 'idle';
  private pumpQueued = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAtMs = Number.POSITIVE_INFINITY;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly reporter: EventReporter,
    private readonly clock: Clock,
    config: ConfigService<AgentConfig, true>,
    private readonly metrics: SessionEventsMetrics,
    private readonly answers: EventAnswerHandler,
  ) {
    const events = config.get('events', { infer: true });
    this.enabled = events.enabled;
    this.maxInFlight = events.max_in_flight;
    this.callTimeoutMs = events.call_timeout_ms;
    this.backoff = new RetryBackoff(events.retry_initial_ms, events.retry_max_ms);
    this.pause = new DeliveryPause(this.backoff);
    this.failureLog = new ThrottledLog(this.logger, clock, FAILURE_LOG_INTERVAL_MS);
    this.commits = new DeliveredCommits(outbox, {
      committed: () => this.schedulePump(),
      commitFailed: (error, count) => {
        this.failureLog.write('error', 'outbox-delivered', { msg: 'outbox could not commit delivered events; retrying', count, error: String(error) });
        this.wakeAt(this.clock.nowMs() + LOOP_ERROR_RETRY_MS);
      },
    });
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get paused(): boolean {
    return this.pause.active;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** No-op while running, and while a stop() is still draining (await it first). */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.logger.log({ msg: 'event delivery started', max_in_flight: this.maxInFlight });
    this.schedulePump();
  }

  /** An event was just recorded: look now rather than at the next timer. Cheap; calls in one turn coalesce. */
  notify(): void {
    this.schedulePump();
  }

  /**
   * Stops sending, waits for the calls on the wire (bounded), commits what was delivered.
   * A call still out after the bound is abandoned: its event stays undelivered in the
   * outbox and goes out again after the next start (the portal dedupes on event_id).
   */
  stop(): Promise<void> {
    if (this.state === 'running') {
      this.stopping = this.drain().finally(() => (this.stopping = undefined));
    }
    return this.stopping ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    this.state = 'draining';
    this.clearTimers();
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.callTimeoutMs, STOP_DRAIN_MAX_MS));
        timer.unref();
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), bound]);
      clearTimeout(timer);
    }
    this.commits.commit();
    this.state = 'idle';
    this.logger.log({ msg: 'event delivery stopped', abandoned_calls: this.inFlight.size, uncommitted: this.commits.waiting });
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.state !== 'running') return;
    this.pumpQueued = true;
    setImmediate(() => this.pump()).unref();
  }

  private pump(): void {
    this.pumpQueued = false;
    if (this.state !== 'running') return;
    let nowMs = 0;
    try {
      nowMs = this.clock.nowMs();
      // Nothing else is out to fill the batch: commit now, so those sessions' next events can go.
      if (this.commits.full || (this.inFlight.size === 0 && this.commits.waiting > 0)) this.commits.commit();
      if (!this.pause.allowsSending(nowMs, this.inFlight.size)) {
        // In flight: their settling pumps again. Else wake when the pause ends.
        if (this.inFlight.size === 0) this.wakeAt(this.pause.resumeAtMs);
        return;
      }
      const free = this.maxInFlight - this.inFlight.size;
      if (free <= 0) return;
      const events = this.outbox.lease(nowMs, free);
      const round = this.pause.round;
      for (const event of events) this.send(event, round);
      this.metrics.inFlight(this.inFlight.size);
      if (events.length < free) this.sleepUntilDue(nowMs);
    } catch (error) {
      this.failureLog.write('error', 'loop', { msg: 'event delivery loop failed; retrying', error: String(error) });
      this.wakeAt(nowMs + LOOP_ERROR_RETRY_MS);
    }
  }

  private sleepUntilDue(nowMs: number): void {
    const dueMs = this.outbox.nextDueMs();
    if (dueMs === undefined) {
      this.wakeAt(nowMs + IDLE_RECHECK_MS);
    } else if (dueMs > nowMs) {
      this.wakeAt(Math.min(dueMs, nowMs + IDLE_RECHECK_MS));
    } else {
      this.wakeAt(nowMs + BLOCKED_RECHECK_MS);
    }
  }

  private send(event: StoredEvent, round: number): void {
    const call = this.invoke(event)
      .then(
        (answer) => this.answered(event, answer),
        (error: unknown) => this.failed(event, error, round),
      )
      // A bug in the bookkeeping above must not become an unhandled rejection (which ends the process).
      .catch((error: unknown) => {
        this.failureLog.write('error', 'settle', { msg: 'event delivery bookkeeping failed', seq: event.seq, error: String(error) });
      })
      .finally(() => {
        this.inFlight.delete(call);
        this.metrics.inFlight(this.inFlight.size);
        this.schedulePump();
      });
    this.inFlight.add(call);
  }

  /** A reporter that throws instead of rejecting fails that one event, not the loop. */
  private invoke(event: StoredEvent): Promise<EventAnswer> {
    try {
      return this.reporter.report(event, this.callTimeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private answered(event: StoredEvent, answer: EventAnswer): void {
    if (this.state === 'idle') return; // abandoned by stop(): the outbox may be closed
    const nowMs = this.clock.nowMs();
    this.commits.add(event.seq);
    this.metrics.delivered(event.body.kind, (nowMs - event.createdAtMs) / 1000);
    const outageMs = this.pause.reachable(nowMs);
    if (outageMs !== undefined) {
      this.metrics.paused(false);
      this.failureLog.reset('unreachable');
      this.logger.log({ msg: 'portal reachable again; event delivery resumed', paused_ms: outageMs });
    }
    if (!answer.answer.success) {
      this.metrics.unsuccessful(event.body.kind);
      this.failureLog.write('warn', `unsuccessful:${event.body.kind}`, {
        msg: 'portal answered an event with success false; it counts as delivered',
        kind: event.body.kind,
        event_id: event.eventId,
        session_id: event.body.sessionId,
        message: 'message' in answer.answer ? answer.answer.message : '',
      });
    }
    this.handOver(event, answer);
  }

  private handOver(event: StoredEvent, answer: EventAnswer): void {
    try {
      if (answer.kind === 'connect' && event.body.kind === 'connect') this.answers.connectAnswered(event.body, answer.answer);
      else if (answer.kind === 'update' && event.body.kind === 'update') this.answers.updateAnswered(event.body, answer.answer);
    } catch (error) {
      this.failureLog.write('error', 'handler', { msg: 'event answer handler failed', event_id: event.eventId, error: String(error) });
    }
  }

  private failed(event: StoredEvent, error: unknown, round: number): void {
    if (this.state === 'idle') return;
    const nowMs = this.clock.nowMs();
    const retryAtMs = nowMs + this.backoff.delayMs(event.attempts);
    try {
      this.outbox.failed(event.seq, retryAtMs);
    } catch (outboxError) {
      this.failureLog.write('error', 'outbox-failed', { msg: 'outbox could not record a failed send', seq: event.seq, error: String(outboxError) });
    }
    this.metrics.retried(event.body.kind);
    const kind = error instanceof PortalFailure ? error.kind : PortalFailureKind.Failed;
    if (kind === PortalFailureKind.Unreachable && this.pause.unreachable(nowMs, round)) {
      this.metrics.paused(true);
      this.failureLog.write('warn', 'unreachable', {
        msg: 'portal unreachable; event delivery paused',
        resume_in_ms: this.pause.resumeAtMs - nowMs,
        failed_rounds: this.pause.failedRoundCount,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (kind === PortalFailureKind.Unreachable) return;
    this.failureLog.write('warn', `failed:${kind}`, {
      msg: 'event not delivered; will retry',
      reason: kind,
      kind: event.body.kind,
      event_id: event.eventId,
      attempts: event.attempts + 1,
      retry_in_ms: retryAtMs - nowMs,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private wakeAt(atMs: number): void {
    if (this.state !== 'running') return;
    if (this.wakeTimer !== undefined && this.wakeAtMs <= atMs) return;
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeAtMs = atMs;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAtMs = Number.POSITIVE_INFINITY;
      this.pump();
    }, Math.max(0, atMs - this.clock.nowMs()));
    this.wakeTimer.unref();
  }

  private clearTimers(): void {
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAtMs = Number.POSITIVE_INFINITY;
    this.commits.cancelTimer();
  }
}
