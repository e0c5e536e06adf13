import { Module } from '@nestjs/common';
import { AgentServiceGrpcController } from './agent-service.controller';

/** agent.v1.AgentService: commands, config, logs and tiered health (later releases). */
@Module({
  controllers: [AgentServiceGrpcController],
})
export class AgentModule {}
