import { Controller } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { Role } from '../access/role.enum';
import { AgentError } from '../errors/agent-error';
import {
  AgentServiceController,
  AgentServiceControllerMethods,
  CommandRequest,
  CommandResponse,
  ConfigUpdateRequest,
  ConfigUpdateResponse,
  HealthCheckResponse,
  LogEntry,
  ServerMessage,
} from '../generated/agent/v1/agent';
import { GrpcEdge } from '../grpc/grpc-edge.decorator';
import { Audited, RequiresRole } from '../grpc/rpc-access.decorator';

/**
 * agent.v1.AgentService. Every RPC here arrives with a later release; until then
 * each answers UNIMPLEMENTED with a message that says so, after the same role
 * check and audit it will have once implemented.
 */
@Controller()
@GrpcEdge()
@AgentServiceControllerMethods()
export class AgentServiceGrpcController implements AgentServiceController {
  @RequiresRole(Role.Operator)
  agentStream(): Observable<ServerMessage> {
    return notYet<ServerMessage>('AgentStream', 'the portal stream');
  }

  @RequiresRole(Role.Admin)
  @Audited((request: CommandRequest) => `command=${request.command_type}`)
  executeCommand(): CommandResponse {
    throw notImplemented('ExecuteCommand', 'ocserv control through occtl');
  }

  @RequiresRole(Role.Admin)
  @Audited((request: ConfigUpdateRequest) => `config=${request.config_type}:${request.config_name}`)
  updateConfig(): ConfigUpdateResponse {
    throw notImplemented('UpdateConfig', 'ocserv configuration writing');
  }

  @RequiresRole(Role.Reader)
  streamLogs(): Observable<LogEntry> {
    return notYet<LogEntry>('StreamLogs', 'log streaming');
  }

  @RequiresRole(Role.Reader)
  healthCheck(): HealthCheckResponse {
    throw notImplemented('HealthCheck', 'tiered ocserv health checks; use grpc.health.v1.Health meanwhile');
  }
}

function notImplemented(rpc: string, capability: string): AgentError {
  return AgentError.notImplemented(`${rpc} is not implemented in this agent version (${capability} arrives in a later release)`);
}

function notYet<T>(rpc: string, capability: string): Observable<T> {
  return throwError(() => notImplemented(rpc, capability));
}
