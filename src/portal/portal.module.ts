import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { GrpcPolicyChecker } from './grpc-policy-checker';
import { PolicyChecker } from './policy-checker';
import { createPortalAuthClient } from './portal-client.factory';
import { PortalMetrics } from './portal-metrics';
import { UnconfiguredPolicyChecker } from './unconfigured-policy-checker';

/**
 * gRPC clients for the portal. The AuthService channel exists only in
 * authorization.mode "portal", so other modes need no portal certificates.
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
  ],
  exports: [PolicyChecker],
})
export class PortalModule {}
