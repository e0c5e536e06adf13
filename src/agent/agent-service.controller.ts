import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { Observable, defer, map, throwError } from 'rxjs';
import { Role } from '../access/role.enum';
import { Clock } from '../clock/clock';
import { AgentError } from '../errors/agent-error';
import {
  AgentServiceController,
  AgentServiceControllerMethods,
  CommandRequest,
  CommandResponse,
  ConfigType,
  ConfigUpdateRequest,
  ConfigUpdateResponse,
  HealthCheckRequest,
  HealthCheckResponse,
  LogEntry,
  LogStreamRequest,
  ServerMessage,
} from '../generated/agent/v1/agent';
import { GrpcEdge } from '../grpc/grpc-edge.decorator';
import { grpcStreamDemand } from '../grpc/grpc-stream-demand';
import { ServerStreaming } from '../grpc/server-streaming.decorator';
import { Audited, RequiresRole } from '../grpc/rpc-access.decorator';
import { noteAuditDetail } from '../grpc/audit-detail';
import { LogStreamService } from '../logs/log-stream.service';
import { noteWrite, validationResult } from '../user-config/config-write.report';
import { MainConfigService } from '../user-config/main-config.service';
import { UserConfigService } from '../user-config/user-config.service';
import {
  toCommandOrder,
  toCommandResponse,
  toConfigUpdateResponse,
  toHealthCheckResponse,
  toHealthTier,
  toLogEntry,
  toLogQuery,
  scopeOfConfigUpdate,
  toMainConfigUpdate,
} from './agent-wire.mapper';
import { CommandExecutor } from './command-executor.service';
import { TieredHealth } from './tiered-health.service';

/** agent.v1.AgentService: wire <-> domain only. */
@Controller()
@GrpcEdge()
@AgentServiceControllerMethods()
export class AgentServiceGrpcController implements AgentServiceController {
  constructor(
    private readonly commands: CommandExecutor,
    private readonly health: TieredHealth,
    private readonly logs: LogStreamService,
    private readonly clock: Clock,
    private readonly userConfigs: UserConfigService,
    private readonly mainConfig: MainConfigService,
  ) {}

  @RequiresRole(Role.Operator)
  agentStream(): Observable<ServerMessage> {
    return throwError(() =>
      AgentError.notImplemented('AgentStream is not implemented in this agent version (the portal stream arrives in a later release)'),
    );
  }

  @RequiresRole(Role.Admin)
  @Audited((request: CommandRequest) => `command=${JSON.stringify([request.command_type, ...request.args].join(' ').slice(0, 200))}`)
  async executeCommand(request: CommandRequest): Promise<CommandResponse> {
    const order = toCommandOrder(request);
    return toCommandResponse(order.requestId, await this.commands.execute(order));
  }

  // MAIN replaces ocserv.conf: admin; a per-user or per-group file: operator, as UpdateUserRoutes.
  @RequiresRole((request: ConfigUpdateRequest) => (request.config_type === ConfigType.CONFIG_TYPE_MAIN ? Role.Admin : Role.Operator))
  @Audited((request: ConfigUpdateRequest) => `config=${request.config_type}:${request.config_name}`)
  async updateConfig(request: ConfigUpdateRequest, _metadata?: Metadata, call?: unknown): Promise<ConfigUpdateResponse> {
    const scope = scopeOfConfigUpdate(request);
    if (scope === 'main') {
      const update = toMainConfigUpdate(request);
      const result = await this.mainConfig.update(update.content, { validateOnly: update.validateOnly, backup: update.backup });
      if (result.applied || result.rolledBack) {
        noteAuditDetail(call, { file: result.path, change: result.rolledBack ? `${result.change}, rolled back` : result.change });
      }
      return toConfigUpdateResponse(request.request_id, result);
    }
    const outcome = await this.userConfigs.replaceBody(scope, request.config_name, request.config_content, 'config_content', {
      validateOnly: request.validate_only,
      backup: request.create_backup,
    });
    noteWrite(call, outcome);
    return { request_id: request.request_id, success: true, validation_result: validationResult(outcome), backup_path: outcome.backupPath, error_message: '' };
  }

  @RequiresRole(Role.Reader)
  @ServerStreaming()
  streamLogs(request: LogStreamRequest, _metadata?: Metadata, call?: ServerWritableStream<LogStreamRequest, LogEntry>): Observable<LogEntry> {
    // defer: a bad request fails the stream instead of throwing out of the handler.
    // The call's flow control paces the source: Nest's writer would queue every line for a reader that does not read.
    const demand = call === undefined ? undefined : grpcStreamDemand(call);
    return defer(() => this.logs.stream(toLogQuery(request), demand)).pipe(map(toLogEntry));
  }

  @RequiresRole(Role.Reader)
  async healthCheck(request: HealthCheckRequest): Promise<HealthCheckResponse> {
    return toHealthCheckResponse(await this.health.check(toHealthTier(request)), this.clock.nowMs());
  }
}
