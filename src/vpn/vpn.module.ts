import { Module } from '@nestjs/common';
import { OcctlModule } from '../occtl/occtl.module';
import { SessionModule } from '../session/session.module';
import { ConnectionAuthorizer } from './connection-authorizer';
import { StaticConnectionAuthorizer } from './static-connection-authorizer';
import { UserDisconnector } from './user-disconnector.service';
import { VpnAgentController } from './vpn-agent.controller';
import { VpnSessionService } from './vpn-session.service';

@Module({
  imports: [SessionModule, OcctlModule],
  controllers: [VpnAgentController],
  providers: [VpnSessionService, UserDisconnector, { provide: ConnectionAuthorizer, useClass: StaticConnectionAuthorizer }],
})
export class VpnModule {}
