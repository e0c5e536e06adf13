import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { distinctUntilChanged, map, Observable } from 'rxjs';
import { AgentError } from '../errors/agent-error';
import {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '../generated/grpc/health/v1/health';
import { GrpcEdge } from '../grpc/grpc-edge.decorator';
import { AnyVerifiedCaller } from '../grpc/rpc-access.decorator';
import { ServingState } from './serving-state';
import { ServerStreaming } from '../grpc/server-streaming.decorator';

/** Services a health probe may name; "" means the whole server. */
const KNOWN_SERVICES = new Set(['', 'agent.v1.AgentService', 'agent.v1.VPNAgentService']);

/** The standard grpc.health.v1.Health service (grpc_health_probe, Kubernetes gRPC probes). */
@Controller()
@GrpcEdge()
export class GrpcHealthController {
  constructor(private readonly state: ServingState) {}

  @GrpcMethod('Health', 'Check')
  @AnyVerifiedCaller()
  check(request: HealthCheckRequest): HealthCheckResponse {
    if (!KNOWN_SERVICES.has(request.service)) {
      throw AgentError.notFound(`unknown service ${JSON.stringify(request.service.slice(0, 100))}`);
    }
    return { status: this.status(this.state.serving) };
  }

  @GrpcMethod('Health', 'Watch')
  @AnyVerifiedCaller()
  @ServerStreaming()
  watch(request: HealthCheckRequest): Observable<HealthCheckResponse> {
    const known = KNOWN_SERVICES.has(request.service);
    return this.state.changes().pipe(
      map((serving) => (known ? this.status(serving) : ServingStatus.SERVICE_UNKNOWN)),
      distinctUntilChanged(),
      map((status) => ({ status })),
    );
  }

  private status(serving: boolean): ServingStatus {
    return serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }
}
