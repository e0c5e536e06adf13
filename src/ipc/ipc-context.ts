import { BaseRpcContext } from '@nestjs/microservices';
import type { HookFraming } from './hook-request';

/** What an IPC handler may ask about the request besides its payload. */
export class IpcContext extends BaseRpcContext<[HookFraming]> {
  getFraming(): HookFraming {
    return this.args[0];
  }
}
