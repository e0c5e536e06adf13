import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { VpnSessionService } from '../vpn/vpn-session.service';
import { toConnectNotice, toDisconnectNotice, toHostUpdateNotice } from './hook-notice.mapper';
import type { HookRequest } from './hook-request';
import { IpcErrorPassthroughFilter } from './ipc-error-passthrough.filter';
import type { AckReply, ConnectReply } from './ipc-reply';
import { ACK_REPLY, toConnectReply } from './ipc-reply.mapper';
import { IPC_TRANSPORT } from './ipc-transport.constant';

/**
 * The connect-script hook's three requests: env -> notice, the domain call, decision -> reply.
 * Bound to the IpcServer only (IPC_TRANSPORT). Errors leave as thrown; the server maps them.
 */
@Controller()
@UseFilters(IpcErrorPassthroughFilter)
export class IpcHookController {
  constructor(private readonly sessions: VpnSessionService) {}

  @MessagePattern('connect', IPC_TRANSPORT)
  async connect(@Payload() request: HookRequest): Promise<ConnectReply> {
    const notice = toConnectNotice(request.env);
    const decision = await this.sessions.connectFromOcserv(notice, request.budgetMs === undefined ? {} : { budgetMs: request.budgetMs });
    return toConnectReply(decision);
  }

  @MessagePattern('disconnect', IPC_TRANSPORT)
  disconnect(@Payload() request: HookRequest): AckReply {
    this.sessions.disconnect(toDisconnectNotice(request.env), 'hook');
    return ACK_REPLY;
  }

  @MessagePattern('host-update', IPC_TRANSPORT)
  hostUpdate(@Payload() request: HookRequest): AckReply {
    this.sessions.hostUpdate(toHostUpdateNotice(request.env));
    return ACK_REPLY;
  }
}
