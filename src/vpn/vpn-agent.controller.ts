import { Controller } from '@nestjs/common';
import { Role } from '../access/role.enum';
import { AgentError } from '../errors/agent-error';
import {
  DisconnectUserRequest,
  DisconnectUserResponse,
  GetActiveSessionsRequest,
  GetActiveSessionsResponse,
  NotifyConnectRequest,
  NotifyConnectResponse,
  NotifyDisconnectRequest,
  NotifyDisconnectResponse,
  UpdateUserRoutesRequest,
  UpdateUserRoutesResponse,
  VPNAgentServiceController,
  VPNAgentServiceControllerMethods,
} from '../generated/agent/v1/agent';
import { GrpcEdge } from '../grpc/grpc-edge.decorator';
import { Audited, RequiresRole } from '../grpc/rpc-access.decorator';
import { UserDisconnector } from './user-disconnector.service';
import { VpnSessionService } from './vpn-session.service';
import {
  toConnectNotice,
  toDisconnectNotice,
  toDisconnectUserResponse,
  toGetActiveSessionsResponse,
  toNotifyConnectResponse,
  toNotifyDisconnectResponse,
  toSessionQuery,
  toUserDisconnectOrder,
} from './vpn-wire.mapper';

/** agent.v1.VPNAgentService: wire <-> domain only; the work is in VpnSessionService. */
@Controller()
@GrpcEdge()
@VPNAgentServiceControllerMethods()
export class VpnAgentController implements VPNAgentServiceController {
  constructor(
    private readonly sessions: VpnSessionService,
    private readonly disconnector: UserDisconnector,
  ) {}

  @RequiresRole(Role.Operator)
  @Audited((request: NotifyConnectRequest) => `user=${request.username} session=${request.session_id}`)
  async notifyConnect(request: NotifyConnectRequest): Promise<NotifyConnectResponse> {
    return toNotifyConnectResponse(await this.sessions.connect(toConnectNotice(request)));
  }

  @RequiresRole(Role.Operator)
  @Audited((request: NotifyDisconnectRequest) => `user=${request.username} session=${request.session_id}`)
  notifyDisconnect(request: NotifyDisconnectRequest): NotifyDisconnectResponse {
    return toNotifyDisconnectResponse(this.sessions.disconnect(toDisconnectNotice(request)));
  }

  @RequiresRole(Role.Reader)
  async getActiveSessions(request: GetActiveSessionsRequest): Promise<GetActiveSessionsResponse> {
    const query = toSessionQuery(request);
    return toGetActiveSessionsResponse(await this.sessions.activeSessions(query), query.includeStats);
  }

  @RequiresRole(Role.Operator)
  @Audited((request: DisconnectUserRequest) => `user=${request.username}`)
  async disconnectUser(request: DisconnectUserRequest): Promise<DisconnectUserResponse> {
    return toDisconnectUserResponse(await this.disconnector.disconnect(toUserDisconnectOrder(request)));
  }

  @RequiresRole(Role.Operator)
  @Audited((request: UpdateUserRoutesRequest) => `user=${request.username}`)
  updateUserRoutes(): UpdateUserRoutesResponse {
    throw AgentError.notImplemented(
      'UpdateUserRoutes is not implemented in this agent version: per-user ocserv config writing arrives in a later release',
    );
  }
}
