import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { Clock, SystemClock } from '../../../src/clock/clock';
import type { AgentConfig } from '../../../src/config/agent-config.schema';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { EventReporter } from '../../../src/portal/event-reporter';
import { GrpcEventReporter } from '../../../src/portal/grpc-event-reporter';
import { PortalModule } from '../../../src/portal/portal.module';
import { UnconfiguredEventReporter } from '../../../src/portal/unconfigured-event-reporter';
import { EventOutbox } from '../../../src/session-events/outbox/event-outbox';
import { InMemoryEventOutbox } from '../../support/session-events/in-memory-event-outbox';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { agentErrorFromAsync } from '../builders/caught-error';
import { aConnectBody, aStoredEvent } from '../builders/session-event.builder';

/** What the app's global modules give PortalModule; EventOutbox is the in-memory one. (The whole app with events on boots in test/integration/session-events.) */
function globalsFor(config: AgentConfig): unknown {
  @Global()
  @Module({
    providers: [
      { provide: ConfigService, useValue: configServiceFor(config) },
      { provide: Clock, useClass: SystemClock },
      MetricsRegistry,
      { provide: EventOutbox, useValue: new InMemoryEventOutbox() },
    ],
    exports: [ConfigService, Clock, MetricsRegistry, EventOutbox],
  })
  class Globals {}
  return Globals;
}

async function reporterFor(config: AgentConfig): Promise<EventReporter> {
  const moduleRef = await Test.createTestingModule({ imports: [globalsFor(config) as never, PortalModule] }).compile();
  return moduleRef.get(EventReporter);
}

describe('EventReporter provider (PortalModule)', () => {
  it('gives the gRPC reporter when events are enabled', async () => {
    const sut = await reporterFor(anAgentConfig({ portal: { address: '127.0.0.1:9', insecure: true }, events: { enabled: true } }));

    expect(sut).toBeInstanceOf(GrpcEventReporter);
    (sut as GrpcEventReporter).onApplicationShutdown();
  });

  it('gives a stand-in that refuses with FAILED_PRECONDITION when events are off', async () => {
    const sut = await reporterFor(anAgentConfig({ events: { enabled: false } }));

    expect(sut).toBeInstanceOf(UnconfiguredEventReporter);
    const error = await agentErrorFromAsync(sut.report(aStoredEvent(aConnectBody()), 1_000));
    expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
  });
});
