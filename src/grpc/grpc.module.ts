import { Global, Module } from '@nestjs/common';
import { CallerResolver } from './caller-resolver.service';
import { RpcCallRecorder } from './rpc-call.recorder';

/** What @GrpcEdge() needs in every module that has gRPC controllers. */
@Global()
@Module({
  providers: [CallerResolver, RpcCallRecorder],
  exports: [CallerResolver, RpcCallRecorder],
})
export class GrpcModule {}
