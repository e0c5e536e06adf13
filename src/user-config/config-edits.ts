import { withOptions, type ConfigDocument } from './config-document';

/** New values for some keys; an empty list removes the key. Keys not named keep theirs. */
export type OptionChanges = ReadonlyMap<string, readonly string[]>;

/** The document with `changes` applied key by key (UpdateUserRoutes, UpdateUserConfig's named fields). */
export function applyChanges(document: ConfigDocument, changes: OptionChanges): ConfigDocument {
  const options = new Map(document.options);
  for (const [key, values] of changes) {
    if (values.length === 0) options.delete(key);
    else options.set(key, [...values]);
  }
  return withOptions(document, options);
}

/** The document with exactly `options` (comments and unknown lines kept): a whole-model replace. */
export function replaceOptions(document: ConfigDocument, options: OptionChanges): ConfigDocument {
  return withOptions(document, new Map([...options].filter(([, values]) => values.length > 0)));
}

/** `values` added to `key`'s, keeping the existing order and dropping duplicates (SyncRoutes without force_overwrite). */
export function mergeValues(document: ConfigDocument, key: string, values: readonly string[]): ConfigDocument {
  const existing = document.options.get(key) ?? [];
  const merged = [...existing, ...values.filter((value, index) => !existing.includes(value) && values.indexOf(value) === index)];
  return applyChanges(document, new Map([[key, merged]]));
}

/** How many values of `key` differ between two documents (added plus removed). */
export function valuesChanged(before: ConfigDocument, after: ConfigDocument, key: string): number {
  const old = before.options.get(key) ?? [];
  const now = after.options.get(key) ?? [];
  return now.filter((value) => !old.includes(value)).length + old.filter((value) => !now.includes(value)).length;
}
