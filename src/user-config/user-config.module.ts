import { Module } from '@nestjs/common';
import { DirectoryProbe } from './config-dir.probe';

/** Per-user and per-group ocserv config (config-per-user / config-per-group dirs). */
@Module({
  providers: [DirectoryProbe],
  exports: [DirectoryProbe],
})
export class UserConfigModule {}
