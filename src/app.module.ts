import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import type { DestinationStream } from 'pino';
import { AgentModule } from './agent/agent.module';
import { ClockModule } from './clock/clock.module';
import type { AgentConfig } from './config/agent-config.schema';
import { GrpcModule } from './grpc/grpc.module';
import { HealthModule } from './health/health.module';
import { IpcModule } from './ipc/ipc.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { OcctlModule } from './occtl/occtl.module';
import { PortalModule } from './portal/portal.module';
import { ResilienceModule } from './resilience/resilience.module';
import { RevalidationModule } from './revalidation/revalidation.module';
import { SessionEventsModule } from './session-events/session-events.module';
import { SessionModule } from './session/session.module';
import { UserConfigModule } from './user-config/user-config.module';
import { VpnModule } from './vpn/vpn.module';

export interface AppModuleOptions {
  /** Where log lines go instead of stdout (tests). */
  readonly logDestination?: DestinationStream;
}

/** The whole agent. `config` was validated by loadAgentConfig before this runs. */
@Module({})
export class AppModule {
  static forRoot(config: AgentConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
        ScheduleModule.forRoot(),
        LoggingModule.forRoot(options.logDestination),
        ClockModule,
        MetricsModule,
        GrpcModule,
        HealthModule,
        SessionModule,
        VpnModule,
        AgentModule,
        OcctlModule,
        UserConfigModule,
        PortalModule,
        ResilienceModule,
        RevalidationModule,
        SessionEventsModule,
        IpcModule,
      ],
    };
  }
}
