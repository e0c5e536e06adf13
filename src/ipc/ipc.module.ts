import { Module } from '@nestjs/common';
import { VpnModule } from '../vpn/vpn.module';
import { IpcHookController } from './ipc-hook.controller';
import { IpcMetrics } from './ipc-metrics';

/**
 * The Unix-socket transport the connect-script hook talks to (docs/hook.md). The module holds
 * the handlers and metrics; the transport itself (IpcServer) is connected to the app by
 * agent-app.ts when `ipc.enabled`, so a disabled socket binds nothing.
 */
@Module({
  imports: [VpnModule],
  controllers: [IpcHookController],
  providers: [IpcMetrics],
  exports: [IpcMetrics],
})
export class IpcModule {}
