import type { AccessConfig } from '../config/agent-config.schema';
import type { CallerIdentity } from './caller-identity';
import { callerMatchKeys, parseIdentityName } from './identity-name';
import { highestRole, Role } from './role.enum';

/**
 * Maps a verified caller to its role: the highest role granted to any of its
 * names in `grpc.access.identities` (matched by type, identity-name.ts), else
 * `default_role`. With `grpc.insecure` there is no verified name, so every
 * caller gets `insecure_role`.
 */
export class AccessPolicy {
  /** Match key (`dns:portal.example.com`) to role. A Map: a CN such as "constructor" must not hit Object.prototype. */
  private readonly grants = new Map<string, Role>();

  constructor(
    private readonly access: AccessConfig,
    private readonly insecure: boolean,
  ) {
    for (const [name, role] of Object.entries(access.identities)) {
      const parsed = parseIdentityName(name);
      // The schema refused any other name at boot.
      if (!parsed.ok) continue;
      for (const key of parsed.matchKeys) {
        this.grants.set(key, highestRole([role, this.grants.get(key) ?? Role.None]));
      }
    }
  }

  roleFor(identity: CallerIdentity): Role {
    if (this.insecure) {
      return this.access.insecure_role;
    }
    const granted = callerMatchKeys(identity)
      .map((key) => this.grants.get(key))
      .filter((role): role is Role => role !== undefined);
    return granted.length > 0 ? highestRole(granted) : this.access.default_role;
  }
}
