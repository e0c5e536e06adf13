import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { GrpcHealthController } from './grpc-health.controller';
import { HttpHealthController } from './http-health.controller';
import { ServingState } from './serving-state';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [GrpcHealthController, HttpHealthController],
  providers: [ServingState],
  exports: [ServingState],
})
export class HealthModule {}
