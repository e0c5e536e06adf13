import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { Observable, Subject } from 'rxjs';
import { LineSplitter } from '../child-process/line-splitter';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import type { OcctlEvent } from './occtl-records';
import { OcctlMetrics } from './occtl-metrics';
import { OcctlRunner } from './occtl-runner';
import { parseOcctlEventLine } from './parsing/occtl-event-line.parser';

const RESTART_MIN_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 15_000;
/** A stream that stayed up this long was healthy: the next restart starts from the minimum delay again. */
const HEALTHY_RUN_MS = 10_000;
const STOP_GRACE_MS = 2_000;
/** Real event lines are < 300 bytes; a longer one is cut here rather than buffered without bound. */
const MAX_LINE_BYTES = 16 * 1024;

/**
 * `occtl show events` as an observable of connect/disconnect events. Text mode
 * on purpose: with -j, occtl 1.1.6 prints the user record without saying
 * whether it connected or disconnected. When occtl exits (ocserv restarted or
 * stopped) it is started again with backoff; `started$` fires each time a stream
 * is up, because events during the gap are lost and the store must be reconciled.
 */
@Injectable()
export class OcctlEventStream implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OcctlEventStream.name);
  private readonly eventsSubject = new Subject<OcctlEvent>();
  private readonly startedSubject = new Subject<void>();
  private readonly interruptedSubject = new Subject<string>();
  private readonly enabled: boolean;
  private child: ChildProcessWithoutNullStreams | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private delayMs = RESTART_MIN_DELAY_MS;
  private stopped = false;
  private failuresInARow = 0;

  readonly events$: Observable<OcctlEvent> = this.eventsSubject.asObservable();
  readonly started$: Observable<void> = this.startedSubject.asObservable();
  /** Fires with the reason each time the stream ends: usually ocserv stopped or restarted. */
  readonly interrupted$: Observable<string> = this.interruptedSubject.asObservable();

  constructor(
    private readonly runner: OcctlRunner,
    private readonly metrics: OcctlMetrics,
    private readonly clock: Clock,
    config: ConfigService<AgentConfig, true>,
  ) {
    const ocserv = config.get('ocserv', { infer: true });
    // Nothing but the session sync consumes events.
    this.enabled = ocserv.events && ocserv.sync_sessions;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.eventsSubject.complete();
    this.startedSubject.complete();
    this.interruptedSubject.complete();
  }

  /**
   * Starts the stream now if it is waiting out a backoff delay: the session sync
   * calls this when ocserv answers again, so events resume without waiting up to
   * RESTART_MAX_DELAY_MS.
   */
  resumeNow(): void {
    if (!this.enabled || this.stopped || this.child !== undefined || this.restartTimer === undefined) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.start();
  }

  private start(): void {
    const startedMs = this.clock.nowMs();
    const child = this.runner.spawnStream(['show', 'events']);
    this.child = child;
    let sawOutput = false;
    let lastError = '';
    child.once('error', (error) => {
      lastError = error.message;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      lastError = chunk.toString('utf8').trim().slice(0, 200);
    });
    const splitter = new LineSplitter(MAX_LINE_BYTES);
    child.stdout.on('data', (chunk: Buffer) => {
      if (!sawOutput) {
        sawOutput = true;
        this.onStreamUp();
      }
      for (const line of splitter.push(chunk)) {
        const event = parseOcctlEventLine(line);
        if (event !== undefined) this.eventsSubject.next(event);
      }
    });
    child.once('close', (code, signal) => {
      this.child = undefined;
      if (this.stopped) return;
      const ranMs = this.clock.nowMs() - startedMs;
      const reason = `exit ${code ?? signal}${lastError === '' ? '' : `: ${lastError}`}`;
      this.scheduleRestart(ranMs, reason);
      this.interruptedSubject.next(reason);
    });
  }

  private onStreamUp(): void {
    if (this.failuresInARow > 0) {
      this.logger.log({ msg: 'ocserv event stream resumed', after_failures: this.failuresInARow });
    }
    this.failuresInARow = 0;
    this.startedSubject.next();
  }

  private scheduleRestart(ranMs: number, reason: string): void {
    this.delayMs = ranMs >= HEALTHY_RUN_MS ? RESTART_MIN_DELAY_MS : Math.min(this.delayMs * 2, RESTART_MAX_DELAY_MS);
    this.failuresInARow += 1;
    this.metrics.eventStreamRestarted();
    // One warning when the stream breaks; the retries after it are debug noise until it comes back.
    const log = { msg: 'ocserv event stream ended; restarting', reason, restart_in_ms: this.delayMs };
    if (this.failuresInARow === 1) this.logger.warn(log);
    else this.logger.debug(log);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, this.delayMs);
    this.restartTimer.unref();
  }
}
