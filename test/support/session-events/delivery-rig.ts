import { ConfigService } from '@nestjs/config';
import { SystemClock } from '../../../src/clock/clock';
import { agentConfigSchema, type AgentConfig, type EventsConfig } from '../../../src/config/agent-config.schema';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { GrpcEventReporter } from '../../../src/portal/grpc-event-reporter';
import { createPortalEventClient } from '../../../src/portal/portal-client.factory';
import { PortalMetrics } from '../../../src/portal/portal-metrics';
import { EventDeliverer } from '../../../src/session-events/event-deliverer';
import type { EventOutbox } from '../../../src/session-events/outbox/event-outbox';
import { SessionEventsMetrics } from '../../../src/session-events/session-events-metrics';
import { agentPortalTls } from '../portal-sim';
import type { TestPki } from '../test-pki';
import { RecordingAnswerHandler } from './recording-answer-handler';

export interface DeliveryRig {
  readonly deliverer: EventDeliverer;
  readonly reporter: GrpcEventReporter;
  readonly answers: RecordingAnswerHandler;
  readonly registry: MetricsRegistry;
  readonly config: AgentConfig;
  /** Stops the deliverer (drain) and closes the portal channel. */
  close(): Promise<void>;
}

/**
 * The agent's real delivery path, without Nest: EventDeliverer -> GrpcEventReporter over mTLS
 * (the agent's portal client certificate from `pki`) to the portal at `address`, with `outbox`.
 */
export function createDeliveryRig(
  address: string,
  pki: TestPki,
  outbox: EventOutbox,
  events: Partial<EventsConfig> = {},
): DeliveryRig {
  const answers = new RecordingAnswerHandler();
  const config = deliveryConfig(address, pki, events);
  const clock = new SystemClock();
  const registry = new MetricsRegistry();
  const reporter = new GrpcEventReporter(createPortalEventClient(config.portal), clock, new PortalMetrics(registry));
  reporter.onModuleInit();
  const deliverer = new EventDeliverer(
    outbox,
    reporter,
    clock,
    new ConfigService<AgentConfig, true>(config),
    new SessionEventsMetrics(registry, outbox, clock),
    answers,
  );
  return {
    deliverer,
    reporter,
    answers,
    registry,
    config,
    async close() {
      await deliverer.stop();
      reporter.onApplicationShutdown();
    },
  };
}

/** The agent's config for events to the portal at `address`: mTLS with the agent's portal client certificate from `pki`. */
export function deliveryConfig(address: string, pki: TestPki, events: Partial<EventsConfig> = {}): AgentConfig {
  return agentConfigSchema.parse({
    agent: { id: 'delivery-rig' },
    grpc: { insecure: true },
    portal: { address, tls: agentPortalTls(pki), reconnect_backoff_initial_ms: 100, reconnect_backoff_max_ms: 1_000 },
    events: { enabled: true, ...events },
  });
}

/** Resolves once `check()` is true; rejects naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
