import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { ResilienceModule } from '../resilience/resilience.module';
import { SessionModule } from '../session/session.module';
import { VpnModule } from '../vpn/vpn.module';
import { RevalidationMetrics } from './revalidation-metrics';
import { SessionRevalidator } from './session-revalidator';

/**
 * Periodic AuthService.ValidateSession for every live session (revalidation.*); inert unless
 * revalidation.enabled. Sessions are ended through VpnModule's SessionTerminator.
 */
@Module({
  imports: [SessionModule, PortalModule, ResilienceModule, VpnModule],
  providers: [SessionRevalidator, RevalidationMetrics],
})
export class RevalidationModule {}
