import { Module } from '@nestjs/common';
import { DEFAULT_BACKUP_RETENTION } from './config-backups';
import { DirectoryProbe } from './config-dir.probe';
import { ConfigFileSystem } from './config-file.adapter';
import { CONFIG_FILE_WRITER_OPTIONS, ConfigFileWriter, type ConfigFileWriterOptions } from './config-file.writer';

/**
 * Per-user and per-group ocserv config (config-per-user / config-per-group dirs).
 * The writer's options are a provider of their own so the typed config (`user_config.backup_retention`) can replace
 * this default without touching the writer.
 */
@Module({
  providers: [
    DirectoryProbe,
    ConfigFileSystem,
    { provide: CONFIG_FILE_WRITER_OPTIONS, useValue: { backupRetention: DEFAULT_BACKUP_RETENTION } satisfies ConfigFileWriterOptions },
    ConfigFileWriter,
  ],
  exports: [DirectoryProbe, ConfigFileWriter],
})
export class UserConfigModule {}
