import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { OcctlModule } from '../occtl/occtl.module';
import { UserConfigModule } from '../user-config/user-config.module';
import { AgentServiceGrpcController } from './agent-service.controller';
import { CommandExecutor } from './command-executor.service';
import { TieredHealth } from './tiered-health.service';

/** agent.v1.AgentService: occtl commands, tiered health and log streaming. */
@Module({
  imports: [OcctlModule, UserConfigModule, LogsModule],
  controllers: [AgentServiceGrpcController],
  providers: [CommandExecutor, TieredHealth],
})
export class AgentModule {}
