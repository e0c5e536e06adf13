import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccessPolicy } from '../access/access-policy';
import { ANONYMOUS_CALLER, CallerIdentity, identityFromCertificate } from '../access/caller-identity';
import { Role } from '../access/role.enum';
import type { AgentConfig } from '../config/agent-config.schema';

export interface ResolvedCaller {
  readonly identity: CallerIdentity;
  readonly role: Role;
  /** host:port of the TCP peer. */
  readonly peer: string;
}

/** Who made a gRPC call and what they may do; computed once per call and shared by guard and interceptor. */
@Injectable()
export class CallerResolver {
  private readonly policy: AccessPolicy;
  private readonly resolved = new WeakMap<ServerSurfaceCall, ResolvedCaller>();

  constructor(config: ConfigService<AgentConfig, true>) {
    const grpc = config.get('grpc', { infer: true });
    this.policy = new AccessPolicy(grpc.access, grpc.insecure);
  }

  resolve(call: ServerSurfaceCall): ResolvedCaller {
    const cached = this.resolved.get(call);
    if (cached !== undefined) {
      return cached;
    }
    const certificate = call.getAuthContext?.().sslPeerCertificate;
    const identity = certificate === undefined ? ANONYMOUS_CALLER : identityFromCertificate(certificate);
    const caller: ResolvedCaller = { identity, role: this.policy.roleFor(identity), peer: call.getPeer() };
    this.resolved.set(call, caller);
    return caller;
  }
}
