/**
 * What a caller of the gRPC API may do. Ordered: each role includes the ones below it.
 * - reader: read-only RPCs (sessions, health, logs)
 * - operator: session and routing changes (NotifyConnect/Disconnect, DisconnectUser, routes,
 *   per-user and per-group files: UpdateUserRoutes, ConfigService, UpdateConfig PER_USER/PER_GROUP)
 * - admin: ExecuteCommand and UpdateConfig MAIN (ocserv.conf)
 */
export enum Role {
  None = 'none',
  Reader = 'reader',
  Operator = 'operator',
  Admin = 'admin',
}

const ROLE_RANK: Record<Role, number> = {
  [Role.None]: 0,
  [Role.Reader]: 1,
  [Role.Operator]: 2,
  [Role.Admin]: 3,
};

export function roleSatisfies(granted: Role, required: Role): boolean {
  return ROLE_RANK[granted] >= ROLE_RANK[required];
}

export function highestRole(roles: Iterable<Role>): Role {
  let best = Role.None;
  for (const role of roles) {
    if (ROLE_RANK[role] > ROLE_RANK[best]) {
      best = role;
    }
  }
  return best;
}

/** Roles that can be granted in configuration (None is the absence of a grant). */
export const GRANTABLE_ROLES = [Role.Reader, Role.Operator, Role.Admin] as const;
