import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import CircuitBreaker from 'opossum';
import type { AgentConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import { PolicyChecker, type PolicyQuery, type PolicyVerdict } from '../portal/policy-checker';
import { PortalFailure, PortalFailureKind } from '../portal/portal-failure';
import { ResilienceMetrics } from './resilience-metrics';

/** opossum splits its rolling window into this many buckets. */
const ROLLING_BUCKETS = 10;

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * CheckPolicy behind an opossum circuit breaker. While open, calls fail at once
 * without touching the portal; after `reset_timeout_ms` exactly one trial call
 * goes through (opossum's half-open admits one), and its outcome closes or
 * re-opens the breaker. The call timeout is also the gRPC deadline, so a timed
 * out call is cancelled on the wire, not left running.
 */
@Injectable()
export class PortalBreaker implements OnModuleDestroy {
  private readonly logger = new Logger(PortalBreaker.name);
  private readonly breaker: CircuitBreaker<[PolicyQuery], PolicyVerdict>;

  constructor(
    checker: PolicyChecker,
    config: ConfigService<AgentConfig, true>,
    private readonly metrics: ResilienceMetrics,
  ) {
    const portal = config.get('portal', { infer: true });
    const callTimeoutMs = portal.call_timeout_ms;
    this.breaker = new CircuitBreaker((query: PolicyQuery) => checker.check(query, callTimeoutMs), {
      timeout: callTimeoutMs,
      errorThresholdPercentage: portal.breaker.error_threshold_percent,
      volumeThreshold: portal.breaker.volume_threshold,
      resetTimeout: portal.breaker.reset_timeout_ms,
      rollingCountTimeout: portal.breaker.rolling_window_ms,
      rollingCountBuckets: ROLLING_BUCKETS,
      name: 'portal-check-policy',
    });
    this.breaker.on('open', () => {
      this.metrics.breakerState('open');
      this.logger.warn({
        msg: 'portal circuit breaker opened: CheckPolicy calls stop until the reset timeout; the fail mode decides meanwhile',
        reset_timeout_ms: portal.breaker.reset_timeout_ms,
      });
    });
    this.breaker.on('halfOpen', () => {
      this.metrics.breakerState('half-open');
      this.logger.log({ msg: 'portal circuit breaker half-open: one trial CheckPolicy call' });
    });
    this.breaker.on('close', () => {
      this.metrics.breakerState('closed');
      this.logger.log({ msg: 'portal circuit breaker closed: the portal answers again' });
    });
    this.metrics.breakerState('closed');
  }

  get state(): BreakerState {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** Rejects with an AgentError saying why: the portal failed, timed out, or the breaker is open. */
  async check(query: PolicyQuery): Promise<PolicyVerdict> {
    try {
      const verdict = await this.breaker.fire(query);
      this.metrics.portalCall('ok');
      return verdict;
    } catch (error) {
      this.metrics.portalCall(isOpenBreaker(error) ? 'breaker_open' : 'failed');
      throw describeFailure(error);
    }
  }

  onModuleDestroy(): void {
    this.breaker.shutdown();
  }
}

function isOpenBreaker(error: unknown): boolean {
  return (error as { code?: string }).code === 'EOPENBREAKER';
}

function describeFailure(error: unknown): AgentError {
  if (error instanceof AgentError) return error;
  const code = (error as { code?: string }).code;
  if (isOpenBreaker(error)) return new PortalFailure(PortalFailureKind.CircuitOpen, 'portal circuit breaker is open');
  if (code === 'ETIMEDOUT') return new PortalFailure(PortalFailureKind.TimedOut, 'portal CheckPolicy timed out');
  return new PortalFailure(PortalFailureKind.Failed, `portal CheckPolicy failed: ${(error as Error).message ?? String(error)}`);
}
