import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { EventReporter } from './event-reporter';
import { GrpcEventReporter } from './grpc-event-reporter';
import { GrpcPolicyChecker } from './grpc-policy-checker';
import { GrpcSessionValidator } from './grpc-session-validator';
import { PolicyChecker } from './policy-checker';
import { PortalAuthConnection } from './portal-auth-connection';
import { createPortalEventClient } from './portal-client.factory';
import { PortalMetrics } from './portal-metrics';
import { SessionValidator } from './session-validator';
import { UnconfiguredEventReporter } from './unconfigured-event-reporter';
import { UnconfiguredPolicyChecker } from './unconfigured-policy-checker';
import { UnconfiguredSessionValidator } from './unconfigured-session-validator';

/**
 * gRPC clients for the portal. The AuthService channel (PortalAuthConnection) opens only
 * when something asks for it: CheckPolicy in authorization.mode "portal", ValidateSession
 * with revalidation.enabled; both on, they share it. The EventService channel (same
 * address, TLS and backoff) exists only with events.enabled. Other setups need no portal
 * certificates.
 */
@Module({
  providers: [
    PortalMetrics,
    PortalAuthConnection,
    {
      provide: PolicyChecker,
      inject: [ConfigService, Clock, PortalAuthConnection],
      useFactory: (config: ConfigService<AgentConfig, true>, clock: Clock, connection: PortalAuthConnection): PolicyChecker =>
        config.get('authorization', { infer: true }).mode === 'portal'
          ? new GrpcPolicyChecker(connection.client, clock)
          : new UnconfiguredPolicyChecker(),
    },
    {
      provide: SessionValidator,
      inject: [ConfigService, Clock, PortalAuthConnection],
      useFactory: (config: ConfigService<AgentConfig, true>, clock: Clock, connection: PortalAuthConnection): SessionValidator =>
        config.get('revalidation', { infer: true }).enabled
          ? new GrpcSessionValidator(connection.client, clock)
          : new UnconfiguredSessionValidator(),
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
  exports: [PolicyChecker, SessionValidator, EventReporter],
})
export class PortalModule {}
