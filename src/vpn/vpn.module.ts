import { Module } from '@nestjs/common';
import { OcctlModule } from '../occtl/occtl.module';
import { ResilienceModule } from '../resilience/resilience.module';
import { SessionModule } from '../session/session.module';
import { UserConfigModule } from '../user-config/user-config.module';
import { connectionAuthorizerProvider } from './connection-authorizer.provider';
import { DecisionMetrics } from './decision-metrics';
import { SessionTerminator } from '../session/session-terminator';
import { UserDisconnector } from './user-disconnector.service';
import { PortalRoutesWriter } from './portal-routes.writer';
import { UserRoutesUpdater } from './user-routes.updater';
import { VpnAgentController } from './vpn-agent.controller';
import { VpnSessionService } from './vpn-session.service';

@Module({
  imports: [SessionModule, OcctlModule, ResilienceModule, UserConfigModule],
  controllers: [VpnAgentController],
  providers: [
    VpnSessionService,
    UserDisconnector,
    { provide: SessionTerminator, useExisting: UserDisconnector },
    UserRoutesUpdater,
    PortalRoutesWriter,
    DecisionMetrics,
    connectionAuthorizerProvider,
  ],
  exports: [VpnSessionService, SessionTerminator, PortalRoutesWriter],
})
export class VpnModule {}
