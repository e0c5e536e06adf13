import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ServingState } from './serving-state';

/**
 * HTTP probes for Kubernetes and systemd:
 * - /health/live: the process answers (restart it if not);
 * - /health/ready: the gRPC API accepts calls (send traffic only then).
 */
@Controller('health')
export class HttpHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly state: ServingState,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.indicators.check('process').up({ uptime_seconds: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const grpc = this.indicators.check('grpc');
        return this.state.serving ? grpc.up() : grpc.down({ reason: 'gRPC server is not serving (starting or stopping)' });
      },
    ]);
  }
}
