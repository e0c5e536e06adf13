import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { EventReporter } from './event-reporter';
import { GrpcEventReporter } from './grpc-event-reporter';
import { GrpcPolicyChecker } from './grpc-policy-checker';
import { PolicyChecker } from './policy-checker';
import { createPortalAuthClient, createPortalEventClient } from './portal-client.factory';
import { PortalMetrics } from './portal-metrics';
import { UnconfiguredEventReporter } from './unconfigured-event-reporter';
import { UnconfiguredPolicyChecker } from './unconfigured-policy-checker';

/**
 * gRPC clients for the portal. The AuthService channel exists only in
 * authorization.mode "portal" and the EventService channel only with
 * events.enabled, so other setups need no portal certificates.
 */
@Module({
  providers: [
    PortalMetrics,
    {
      provide: PolicyChecker,
      inject: [ConfigService, Clock, PortalMetrics],
      useFactory: (config: ConfigService<AgentConfig, true>, clock: Clock, metrics: PortalMetrics): PolicyChecker =>
        config.get('authorization', { infer: true }).mode === 'portal'
          ? new GrpcPolicyChecker(createPortalAuthClient(config.get('portal', { infer: true })), clock, metrics)
          : new UnconfiguredPolicyChecker(),
    },
    {
      provide: EventReporter,
      inject: [ConfigService, Clock, PortalMetrics],
      useFactory: (config: ConfigService<AgentConfig, true>, clock: Clock, metrics: PortalMetrics): EventReporter =>
        config.get('events', { infer: true }).enabled
          ? new GrpcEventReporter(createPortalEventClient(config.get('portal', { infer: true })), clock, metrics)
          : new UnconfiguredEventReporter(),
    },
  ],
  exports: [PolicyChecker, EventReporter],
})
export class PortalModule {}
