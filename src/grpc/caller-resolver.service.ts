import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccessPolicy } from '../access/access-policy';
import { ANONYMOUS_CALLER, CallerIdentity, identityFromCertificate } from '../access/caller-identity';
import { Role } from '../access/role.enum';
import type { AgentConfig } from '../config/agent-config.schema';
import { http2SessionOf } from './http2-session-of';

export interface ResolvedCaller {
  readonly identity: CallerIdentity;
  readonly role: Role;
  /** host:port of the TCP peer. */
  readonly peer: string;
}

type CallerOnConnection = Omit<ResolvedCaller, 'peer'>;

/**
 * Who made a gRPC call and what they may do; computed once per call and shared
 * by guard and interceptor. The identity is also cached per HTTP/2 session: a
 * TLS connection has one client certificate for its whole life, and asking the
 * socket for it (getPeerCertificate) cost ~0.2 ms per call, about a fifth of the
 * agent's CPU per call under load. A WeakMap drops the entry with the session.
 */
@Injectable()
export class CallerResolver {
  private readonly policy: AccessPolicy;
  private readonly byCall = new WeakMap<ServerSurfaceCall, ResolvedCaller>();
  private readonly byConnection = new WeakMap<object, CallerOnConnection>();

  constructor(config: ConfigService<AgentConfig, true>) {
    const grpc = config.get('grpc', { infer: true });
    this.policy = new AccessPolicy(grpc.access, grpc.insecure);
  }

  resolve(call: ServerSurfaceCall): ResolvedCaller {
    const cached = this.byCall.get(call);
    if (cached !== undefined) {
      return cached;
    }
    const caller: ResolvedCaller = { ...this.callerOnConnection(call), peer: call.getPeer() };
    this.byCall.set(call, caller);
    return caller;
  }

  private callerOnConnection(call: ServerSurfaceCall): CallerOnConnection {
    const session = http2SessionOf(call);
    const known = session === undefined ? undefined : this.byConnection.get(session);
    if (known !== undefined) {
      return known;
    }
    const certificate = call.getAuthContext?.().sslPeerCertificate;
    const identity = certificate === undefined ? ANONYMOUS_CALLER : identityFromCertificate(certificate);
    const resolved = { identity, role: this.policy.roleFor(identity) };
    if (session !== undefined) {
      this.byConnection.set(session, resolved);
    }
    return resolved;
  }
}
