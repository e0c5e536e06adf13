import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { DecisionCache } from './decision-cache';
import { PortalBreaker } from './portal-breaker';
import { PortalCallQueue } from './portal-call-queue';
import { PortalConnectionAuthorizer } from './portal-connection.authorizer';
import { ResilienceMetrics } from './resilience-metrics';

/**
 * The portal decision path's guards: decision cache, call queue, circuit breaker, fail modes.
 * The breaker is exported for its state: revalidation sends nothing while it is open.
 */
@Module({
  imports: [PortalModule],
  providers: [DecisionCache, PortalBreaker, PortalCallQueue, ResilienceMetrics, PortalConnectionAuthorizer],
  exports: [DecisionCache, PortalConnectionAuthorizer, PortalBreaker],
})
export class ResilienceModule {}
