import { Module } from '@nestjs/common';

/**
 * the Unix-socket transport the connect-script hook talks to.
 * An empty shell until its release: wired into the app so the module graph is final.
 */
@Module({})
export class IpcModule {}
