import type { AccessConfig } from '../config/agent-config.schema';
import type { CallerIdentity } from './caller-identity';
import { highestRole, Role } from './role.enum';

/**
 * Maps a verified caller to its role: the highest role granted to any of its
 * names (CN or SAN values) in `grpc.access.identities`, else `default_role`.
 * With `grpc.insecure` there is no verified name, so every caller gets `insecure_role`.
 */
export class AccessPolicy {
  /** A Map, not the config object: a CN such as "constructor" must not hit Object.prototype. */
  private readonly grants: ReadonlyMap<string, Role>;

  constructor(
    private readonly access: AccessConfig,
    private readonly insecure: boolean,
  ) {
    this.grants = new Map(Object.entries(access.identities));
  }

  roleFor(identity: CallerIdentity): Role {
    if (this.insecure) {
      return this.access.insecure_role;
    }
    const granted = [...identity.commonNames, ...identity.subjectAltNames]
      .map((name) => this.grants.get(name))
      .filter((role): role is Role => role !== undefined);
    return granted.length > 0 ? highestRole(granted) : this.access.default_role;
  }
}
