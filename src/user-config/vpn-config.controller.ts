import { Controller } from '@nestjs/common';
import { Role } from '../access/role.enum';
import {
  ConfigServiceController,
  ConfigServiceControllerMethods,
  GetActiveRoutesRequest,
  GetActiveRoutesResponse,
  GetGroupConfigRequest,
  GetGroupConfigResponse,
  GetUserConfigRequest,
  GetUserConfigResponse,
  SyncRoutesRequest,
  SyncRoutesResponse,
  UpdateGroupConfigRequest,
  UpdateGroupConfigResponse,
  UpdateUserConfigRequest,
  UpdateUserConfigResponse,
} from '../generated/vpn/v1/config';
import { GrpcEdge } from '../grpc/grpc-edge.decorator';
import { Audited, RequiresRole } from '../grpc/rpc-access.decorator';
import { AgentError } from '../errors/agent-error';
import { ActiveRoutesService } from './active-routes.service';
import { applyChanges, mergeValues, replaceOptions, valuesChanged } from './config-edits';
import type { ConfigScope } from './config-scope';
import { optionsFromWire, scopeOfSync, toGetActiveRoutesResponse, toWireGroupConfig, toWireUserConfig } from './config-service.wire.mapper';
import { listValues } from './option-input';
import { noteWrite, validationResult } from './config-write.report';
import { UserConfigService } from './user-config.service';

/** vpn.v1.ConfigService, served by the agent: wire <-> domain only; the work is in UserConfigService. */
@Controller()
@GrpcEdge()
@ConfigServiceControllerMethods()
export class VpnConfigController implements ConfigServiceController {
  constructor(
    private readonly configs: UserConfigService,
    private readonly activeRoutes: ActiveRoutesService,
  ) {}

  @RequiresRole(Role.Reader)
  async getUserConfig(request: GetUserConfigRequest): Promise<GetUserConfigResponse> {
    const stored = await this.configs.read('user', request.username);
    return { found: stored.found, config: stored.found ? toWireUserConfig(stored) : undefined, error_message: '' };
  }

  @RequiresRole(Role.Reader)
  async getGroupConfig(request: GetGroupConfigRequest): Promise<GetGroupConfigResponse> {
    const stored = await this.configs.read('group', request.groupname);
    return { found: stored.found, config: stored.found ? toWireGroupConfig(stored) : undefined, error_message: '' };
  }

  @RequiresRole(Role.Operator)
  @Audited((request: UpdateUserConfigRequest) => `user=${request.config?.username ?? ''}`)
  async updateUserConfig(request: UpdateUserConfigRequest, _metadata?: unknown, call?: unknown): Promise<UpdateUserConfigResponse> {
    if (request.config === undefined) throw AgentError.invalidArgument('config is required');
    return this.replaceModel('user', request.config.username, request.config, request, call);
  }

  @RequiresRole(Role.Operator)
  @Audited((request: UpdateGroupConfigRequest) => `group=${request.config?.groupname ?? ''}`)
  async updateGroupConfig(request: UpdateGroupConfigRequest, _metadata?: unknown, call?: unknown): Promise<UpdateGroupConfigResponse> {
    if (request.config === undefined) throw AgentError.invalidArgument('config is required');
    return this.replaceModel('group', request.config.groupname, request.config, request, call);
  }

  /**
   * force_overwrite: the file's routes and DNS become exactly these (an empty list clears);
   * otherwise they are added to what the file has. routes_updated counts routes added plus removed.
   */
  @RequiresRole(Role.Operator)
  @Audited((request: SyncRoutesRequest) => `${request.config_type === 'CONFIG_TYPE_GROUP' ? 'group' : 'user'}=${request.name}`)
  async syncRoutes(request: SyncRoutesRequest, _metadata?: unknown, call?: unknown): Promise<SyncRoutesResponse> {
    const scope = scopeOfSync(request);
    const routes = listValues('route', request.routes, 'routes');
    const dns = listValues('dns', request.dns_servers, 'dns_servers');
    let routesUpdated = 0;
    const outcome = await this.configs.edit(scope, request.name, (current) => {
      const next = request.force_overwrite
        ? applyChanges(current, new Map([['route', routes], ['dns', dns]]))
        : mergeValues(mergeValues(current, 'route', routes), 'dns', dns);
      routesUpdated = valuesChanged(current, next, 'route');
      return next;
    });
    noteWrite(call, outcome);
    return { success: true, routes_updated: routesUpdated, config_path: outcome.path, error_message: '' };
  }

  @RequiresRole(Role.Reader)
  async getActiveRoutes(request: GetActiveRoutesRequest): Promise<GetActiveRoutesResponse> {
    return toGetActiveRoutesResponse(await this.activeRoutes.of(request.username, request.session_id));
  }

  private async replaceModel(
    scope: ConfigScope,
    name: string,
    config: Parameters<typeof optionsFromWire>[0],
    request: { readonly create_backup: boolean; readonly validate_only: boolean },
    call: unknown,
  ): Promise<UpdateUserConfigResponse> {
    // The name first: an error about a hostile name beats one about its values.
    this.configs.pathOf(scope, name);
    const options = optionsFromWire(config);
    const outcome = await this.configs.edit(scope, name, (current) => replaceOptions(current, options), {
      validateOnly: request.validate_only,
      backup: request.create_backup,
    });
    noteWrite(call, outcome);
    return { success: true, validation_result: validationResult(outcome), backup_path: outcome.backupPath, error_message: '' };
  }
}
