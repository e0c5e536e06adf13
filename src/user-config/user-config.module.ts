import { Module } from '@nestjs/common';
import { OcctlModule } from '../occtl/occtl.module';
import { DirectoryProbe } from './config-dir.probe';
import { ConfigFileWriter } from './config-file.writer';
import { MainConfigChecks } from './main-config.checks';
import { MainConfigService } from './main-config.service';
import { OcservConfigTester } from './ocserv-config.tester';

/** ocserv's config files: per-user and per-group (config-per-user / config-per-group dirs) and ocserv.conf itself. */
@Module({
  imports: [OcctlModule],
  providers: [DirectoryProbe, ConfigFileWriter, MainConfigChecks, OcservConfigTester, MainConfigService],
  exports: [DirectoryProbe, MainConfigService],
})
export class UserConfigModule {}
