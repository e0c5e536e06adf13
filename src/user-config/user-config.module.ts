import { Module } from '@nestjs/common';

/**
 * per-user and per-group ocserv configuration, validated, atomic, backed up.
 * An empty shell until its release: wired into the app so the module graph is final.
 */
@Module({})
export class UserConfigModule {}
