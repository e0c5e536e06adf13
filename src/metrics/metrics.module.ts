import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { RpcMetrics } from './rpc-metrics';

/** GET /metrics on the HTTP listener. Global so feature modules can register their own gauges. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry, RpcMetrics],
  exports: [MetricsRegistry, RpcMetrics],
})
export class MetricsModule {}
