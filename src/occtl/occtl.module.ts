import { Module } from '@nestjs/common';

/**
 * ocserv control through occtl (sessions, users, bans, reload, events).
 * An empty shell until its release: wired into the app so the module graph is final.
 */
@Module({})
export class OcctlModule {}
