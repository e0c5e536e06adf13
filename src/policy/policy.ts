/*
 * A validated policy, as evaluatePolicy reads it. Built only by the loader
 * (policy-file.loader.ts) from a file that passed policy-file.schema.ts.
 */

/** What one `users:` / `groups:` entry, or `default:`, says. */
export interface PolicyRule {
  readonly allow: boolean;
  /** Sent with a refusal; ignored when allow is true. */
  readonly denyReason: string;
  /** Sent only with an allow. */
  readonly routes: readonly string[];
  readonly dnsServers: readonly string[];
}

export interface Policy {
  /** The `default:` section: neither the user nor their group is listed. */
  readonly defaultRule: PolicyRule;
  /** Maps, not objects: a username such as "constructor" must not find Object.prototype. */
  readonly users: ReadonlyMap<string, PolicyRule>;
  readonly groups: ReadonlyMap<string, PolicyRule>;
  /** `devices:` (CheckPolicy's device, NotifyConnect's device_id): an entry here wins over user and group. */
  readonly devices: ReadonlyMap<string, PolicyRule>;
}
