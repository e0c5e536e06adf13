import { SystemClock } from '../../../src/clock/clock';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import type { BreakerState, PortalBreaker } from '../../../src/resilience/portal-breaker';
import { RevalidationMetrics } from '../../../src/revalidation/revalidation-metrics';
import { SessionRevalidator } from '../../../src/revalidation/session-revalidator';
import { SessionStore } from '../../../src/session/session-store.service';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeSessionTerminator } from '../builders/fake-session-terminator';
import { FakeSessionValidator } from '../builders/fake-session-validator';
import { aNewVpnSession } from '../builders/vpn-session.builder';

export const INTERVAL_SECONDS = 60;
export const INTERVAL_MS = INTERVAL_SECONDS * 1000;
export const CALL_TIMEOUT_MS = 3_000;

type ConfigOverrides = NonNullable<Parameters<typeof anAgentConfig>[0]>;

/** Only the breaker's state is read by the revalidator. */
export class FakeBreaker {
  state: BreakerState = 'closed';
}

/**
 * A SessionRevalidator over a real SessionStore (on the system clock, which jest's fake
 * timers drive) and fakes for the portal, the breaker and the terminator.
 */
export class RevalidationRig {
  readonly validator = new FakeSessionValidator();
  readonly terminator = new FakeSessionTerminator();
  readonly breaker = new FakeBreaker();
  readonly registry = new MetricsRegistry();
  readonly store: SessionStore;
  readonly sut: SessionRevalidator;

  constructor(overrides: ConfigOverrides = {}) {
    const config = anAgentConfig({
      ...overrides,
      portal: { address: 'portal.example.net:9443', ...overrides.portal },
      revalidation: { enabled: true, interval_seconds: INTERVAL_SECONDS, call_timeout_ms: CALL_TIMEOUT_MS, ...overrides.revalidation },
    });
    const clock = new SystemClock();
    this.store = new SessionStore(clock, configServiceFor(config));
    this.sut = new SessionRevalidator(
      this.store,
      this.validator,
      this.terminator,
      this.breaker as unknown as PortalBreaker,
      new RevalidationMetrics(this.registry),
      clock,
      configServiceFor(config),
    );
  }

  /** Sessions of users `usernames[i]`, ids `sess-<user>`, in this order (the store lists oldest first). */
  connect(...usernames: string[]): void {
    for (const username of usernames) {
      this.store.add(aNewVpnSession({ sessionId: `sess-${username}`, username, clientIp: '198.51.100.7' }));
    }
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = await this.registry.getSingleMetric(name)!.get();
    const matches = metric.values.filter((value) => Object.entries(labels).every(([key, want]) => value.labels[key] === want));
    return matches.reduce((sum, value) => sum + value.value, 0);
  }

  validations(outcome: string): Promise<number> {
    return this.metric('ocserv_agent_revalidation_validations_total', { outcome });
  }
}

export function advance(ms: number): Promise<void> {
  return jest.advanceTimersByTimeAsync(ms);
}
