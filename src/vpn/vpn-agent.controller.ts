import { Controller } from '@nestjs/common';
import { Role } from '../access/role.enum';
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
import { noteAuditDetail } from '../grpc/audit-detail';
import { GrpcEdge } from '../grpc/grpc-edge.decorator';
import { Audited, RequiresRole } from '../grpc/rpc-access.decorator';
import { UserDisconnector } from './user-disconnector.service';
import { UserRoutesUpdater } from './user-routes.updater';
import { VpnSessionService } from './vpn-session.service';
import {
  toConnectNotice,
  toDisconnectNotice,
  toDisconnectUserResponse,
  toGetActiveSessionsResponse,
  toNotifyConnectResponse,
  toNotifyDisconnectResponse,
  toSessionQuery,
  toUpdateUserRoutesResponse,
  toUserDisconnectOrder,
  toUserRoutesOrder,
} from './vpn-wire.mapper';

/** agent.v1.VPNAgentService: wire <-> domain only; the work is in VpnSessionService. */
@Controller()
@GrpcEdge()
@VPNAgentServiceControllerMethods()
export class VpnAgentController implements VPNAgentServiceController {
  constructor(
    private readonly sessions: VpnSessionService,
    private readonly disconnector: UserDisconnector,
    private readonly routes: UserRoutesUpdater,
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
  async updateUserRoutes(request: UpdateUserRoutesRequest, _metadata?: unknown, call?: unknown): Promise<UpdateUserRoutesResponse> {
    const outcome = await this.routes.update(toUserRoutesOrder(request));
    noteAuditDetail(call, { file: outcome.path, change: outcome.changed ? outcome.change : 'no change' });
    return toUpdateUserRoutesResponse(outcome);
  }
}
