import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import { OcctlModule } from '../occtl/occtl.module';
import { ActiveRoutesService } from './active-routes.service';
import { DirectoryProbe } from './config-dir.probe';
import { ConfigFileSystem } from './config-file.adapter';
import { CONFIG_FILE_WRITER_OPTIONS, ConfigFileWriter, type ConfigFileWriterOptions } from './config-file.writer';
import { MainConfigChecks } from './main-config.checks';
import { MainConfigService } from './main-config.service';
import { OcservConfigTester } from './ocserv-config.tester';
import { UserConfigService } from './user-config.service';
import { VpnConfigController } from './vpn-config.controller';

/**
 * ocserv's config files: per-user and per-group (config-per-user / config-per-group dirs)
 * and ocserv.conf itself; every write goes through the one ConfigFileWriter.
 */
@Module({
  imports: [OcctlModule],
  controllers: [VpnConfigController],
  providers: [
    DirectoryProbe,
    ConfigFileSystem,
    {
      provide: CONFIG_FILE_WRITER_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AgentConfig, true>): ConfigFileWriterOptions => ({
        backupRetention: config.get('user_config', { infer: true }).backup_retention,
      }),
    },
    ConfigFileWriter,
    UserConfigService,
    ActiveRoutesService,
    MainConfigChecks,
    OcservConfigTester,
    MainConfigService,
  ],
  exports: [DirectoryProbe, ConfigFileSystem, ConfigFileWriter, UserConfigService, MainConfigService],
})
export class UserConfigModule {}
