import { Module } from '@nestjs/common';
import { SessionModule } from '../session/session.module';
import { ConnectionAuthorizer } from './connection-authorizer';
import { StaticConnectionAuthorizer } from './static-connection-authorizer';
import { VpnAgentController } from './vpn-agent.controller';
import { VpnSessionService } from './vpn-session.service';

@Module({
  imports: [SessionModule],
  controllers: [VpnAgentController],
  providers: [VpnSessionService, { provide: ConnectionAuthorizer, useClass: StaticConnectionAuthorizer }],
})
export class VpnModule {}
