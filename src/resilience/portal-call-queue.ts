import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import type { PolicyQuery } from '../portal/policy-checker';
import { PortalFailure, PortalFailureKind } from '../portal/portal-failure';
import { ResilienceMetrics } from './resilience-metrics';

/** Heap of one queued call besides its strings: entry, closures, promise, timer (measured order of magnitude, rounded up). */
export const QUEUED_CALL_OVERHEAD_BYTES = 512;

/** Estimated heap bytes a queued CheckPolicy holds (V8 strings counted at 2 bytes a character, the worst case). */
export function queuedCallBytes(query: PolicyQuery): number {
  const text = query.username.length + query.groupname.length + query.clientIp.length + query.vpnIp.length + query.sessionId.length + query.device.length;
  return QUEUED_CALL_OVERHEAD_BYTES + 2 * text;
}

interface Waiting {
  readonly start: () => void;
  readonly bytes: number;
  readonly queuedAtMs: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * At most portal.max_concurrent_calls CheckPolicy calls on the wire; the rest wait
 * here in arrival order, bounded in count (max_queued_calls) and estimated bytes
 * (max_queued_bytes). A call's own timeout (portal.call_timeout_ms, the breaker's)
 * starts only when it leaves the queue, so the agent's queueing is never blamed on
 * the portal; the wait counts against the caller's decision deadline instead, and a
 * call still waiting at that deadline leaves the queue unsent (nobody waits for its
 * answer any more). A full queue refuses at once. Both refusals never reach the breaker.
 */
@Injectable()
export class PortalCallQueue {
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly maxQueuedBytes: number;
  private readonly waiting: Waiting[] = [];
  private running = 0;
  private bytes = 0;

  constructor(
    config: ConfigService<AgentConfig, true>,
    private readonly metrics: ResilienceMetrics,
    private readonly clock: Clock,
  ) {
    const portal = config.get('portal', { infer: true });
    this.maxConcurrent = portal.max_concurrent_calls;
    this.maxQueued = portal.max_queued_calls;
    this.maxQueuedBytes = portal.max_queued_bytes;
  }

  get queued(): number {
    return this.waiting.length;
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  get inFlight(): number {
    return this.running;
  }

  /**
   * Runs `call` once a slot is free; rejects with PortalFailure QueueFull when the queue
   * is at its bounds, QueueTimedOut when `deadlineMs` (epoch ms) passes before a slot frees.
   */
  run<T>(call: () => Promise<T>, options: { readonly deadlineMs: number; readonly bytes: number }): Promise<T> {
    if (this.running < this.maxConcurrent && this.waiting.length === 0) {
      this.metrics.portalQueueWait(0);
      return this.dispatch(call);
    }
    if (this.waiting.length >= this.maxQueued || this.bytes + options.bytes > this.maxQueuedBytes) {
      this.metrics.portalCall('queue_full');
      return Promise.reject(
        new PortalFailure(
          PortalFailureKind.QueueFull,
          `portal call queue full (${this.waiting.length} of portal.max_queued_calls ${this.maxQueued}, ` +
            `${this.bytes} of portal.max_queued_bytes ${this.maxQueuedBytes} bytes); the portal was not asked`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        bytes: options.bytes,
        queuedAtMs: this.clock.nowMs(),
        timer: undefined,
        start: () => this.dispatch(call).then(resolve, reject),
      };
      entry.timer = setTimeout(() => {
        if (!this.remove(entry)) return;
        this.metrics.portalCall('queue_timeout');
        this.metrics.portalQueueWait(this.clock.nowMs() - entry.queuedAtMs);
        reject(
          new PortalFailure(
            PortalFailureKind.QueueTimedOut,
            `no CheckPolicy slot free within the decision budget (${this.running} of portal.max_concurrent_calls ${this.maxConcurrent} busy, ` +
              `${this.waiting.length} more queued); the portal was not asked`,
          ),
        );
      }, Math.max(0, options.deadlineMs - this.clock.nowMs()));
      this.waiting.push(entry);
      this.bytes += entry.bytes;
      this.reportDepth();
    });
  }

  private dispatch<T>(call: () => Promise<T>): Promise<T> {
    this.running += 1;
    this.metrics.portalInFlight(this.running);
    let work: Promise<T>;
    try {
      work = call();
    } catch (error) {
      work = Promise.reject(error);
    }
    return work.finally(() => {
      this.running -= 1;
      this.metrics.portalInFlight(this.running);
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.maxConcurrent) {
      const entry = this.waiting.shift();
      if (entry === undefined) return;
      clearTimeout(entry.timer);
      this.bytes -= entry.bytes;
      this.reportDepth();
      this.metrics.portalQueueWait(this.clock.nowMs() - entry.queuedAtMs);
      entry.start();
    }
  }

  private remove(entry: Waiting): boolean {
    const index = this.waiting.indexOf(entry);
    if (index === -1) return false;
    this.waiting.splice(index, 1);
    this.bytes -= entry.bytes;
    this.reportDepth();
    return true;
  }

  private reportDepth(): void {
    this.metrics.portalQueue(this.waiting.length, this.bytes);
  }
}
