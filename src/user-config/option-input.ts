import { AgentError } from '../errors/agent-error';
import { echoValue } from '../validation/vpn-identifiers';
import { optionSpec } from './ocserv-option.catalog';
import { normalizeOptionValue } from './ocserv-option.validator';

/** Entries one map field (config_params, custom_settings) may carry: ocserv has 37 keys, both tunnel_all_dns spellings included. */
export const MAX_MAP_ENTRIES = 64;
/** Values one list field (routes, dns_servers) may carry; ocserv itself pushes at most a few hundred routes to a client. */
export const MAX_LIST_VALUES = 1024;

/** Canonical values of one list field, each validated for `key`, duplicates dropped. */
export function listValues(key: string, values: readonly string[], field: string): string[] {
  if (values.length > MAX_LIST_VALUES) throw AgentError.invalidArgument(`${field}: at most ${MAX_LIST_VALUES} values, got ${values.length}`);
  const canonical = values.map((value, index) => normalizeOptionValue(key, value, `${field}[${index}]`));
  return canonical.filter((value, index) => canonical.indexOf(value) === index);
}

/**
 * A wire map (config_params, custom_settings) as model changes: each key a catalog key (or
 * an alias), each value validated; a repeatable key takes a comma-separated list; an empty
 * value removes the key (only spaces around commas are dropped: a newline is never trimmed into
 * validity). `reserved` keys belong to their own fields and are refused here.
 */
export function mapChanges(entries: Readonly<Record<string, string>>, field: string, reserved: readonly string[] = []): Map<string, string[]> {
  const keys = Object.keys(entries);
  if (keys.length > MAX_MAP_ENTRIES) throw AgentError.invalidArgument(`${field}: at most ${MAX_MAP_ENTRIES} entries, got ${keys.length}`);
  const changes = new Map<string, string[]>();
  for (const rawKey of keys) {
    const spec = optionSpec(rawKey);
    if (spec === undefined) throw AgentError.invalidArgument(`${field}: ${echoValue(rawKey)} is not an ocserv per-user/per-group option (docs/user-config-options.md)`);
    if (reserved.includes(spec.key)) throw AgentError.invalidArgument(`${field}[${rawKey}]: set it through its own field, not here`);
    const raw = entries[rawKey] ?? '';
    const entryField = `${field}[${rawKey}]`;
    const parts = raw === '' ? [] : spec.repeatable ? raw.split(',').map((part) => part.replace(/^ +| +$/g, '')) : [raw];
    changes.set(spec.key, spec.repeatable ? listValues(spec.key, parts, entryField) : parts.map((part) => normalizeOptionValue(spec.key, part, entryField)));
  }
  return changes;
}

/** A model's values of `key` as one map value (comma-joined for repeatable keys). */
export function mapValueOf(values: readonly string[]): string {
  return values.join(', ');
}
