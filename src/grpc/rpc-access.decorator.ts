import { SetMetadata } from '@nestjs/common';
import { Role } from '../access/role.enum';

export const REQUIRED_ROLE_KEY = 'ocserv-agent:required-role';
export const AUDIT_TARGET_KEY = 'ocserv-agent:audit-target';

/** What a role requirement may depend on: one RPC whose request picks how much it can change (UpdateConfig MAIN vs PER_USER). */
export type RoleOfRequest = (request: never) => Role;

/**
 * The least role a caller needs for this RPC, or a function of the request choosing it.
 * A handler without it is refused (fail closed).
 */
export const RequiresRole = (role: Role | RoleOfRequest): MethodDecorator => SetMetadata(REQUIRED_ROLE_KEY, role);

/** Any caller that passed the TLS handshake (health checks). */
export const AnyVerifiedCaller = (): MethodDecorator => SetMetadata(REQUIRED_ROLE_KEY, Role.None);

/**
 * Marks a mutating RPC: every call, allowed or not, writes one audit log line
 * naming what it acts on, e.g. `user=alice session=abc`.
 */
export const Audited = <TRequest>(targetOf: (request: TRequest) => string): MethodDecorator =>
  SetMetadata(AUDIT_TARGET_KEY, targetOf);
