import { applyDecorators, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { GrpcCallInterceptor } from './grpc-call.interceptor';
import { GrpcExceptionFilter } from './grpc-exception.filter';
import { RpcRoleGuard } from './rpc-role.guard';

/**
 * Put on every gRPC controller: role check, call lifecycle (deadline, cancel,
 * log, audit, metrics) and error mapping. Scoped per controller rather than
 * global so HTTP routes in the same hybrid app keep Nest's HTTP handling.
 */
export const GrpcEdge = (): ClassDecorator =>
  applyDecorators(UseGuards(RpcRoleGuard), UseInterceptors(GrpcCallInterceptor), UseFilters(GrpcExceptionFilter));
