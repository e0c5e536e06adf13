import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { ResilienceModule } from '../resilience/resilience.module';
import { SessionModule } from '../session/session.module';
import { SessionTerminator } from '../session/session-terminator';
import { RevalidationMetrics } from './revalidation-metrics';
import { SessionRevalidator } from './session-revalidator';
import { UnprovidedSessionTerminator } from './unprovided-session-terminator';

/** Periodic AuthService.ValidateSession for every live session (revalidation.*); inert unless revalidation.enabled. */
@Module({
  imports: [SessionModule, PortalModule, ResilienceModule],
  providers: [
    SessionRevalidator,
    RevalidationMetrics,
    // TODO(issue 11): import VpnModule for its SessionTerminator export instead (unprovided-session-terminator.ts).
    { provide: SessionTerminator, useClass: UnprovidedSessionTerminator },
  ],
})
export class RevalidationModule {}
