/** Values shown per key before the summary says "+N more": an audit line stays one readable line. */
const VALUES_SHOWN_PER_KEY = 8;

/**
 * A short diff of two option maps for the audit line and the caller, e.g.
 * `route +10.0.0.0/8 -10.1.0.0/16; max-same-clients 2->3`; "no change" when equal.
 */
export function summarizeChange(before: ReadonlyMap<string, readonly string[]>, after: ReadonlyMap<string, readonly string[]>): string {
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const parts: string[] = [];
  for (const key of keys) {
    const old = before.get(key) ?? [];
    const now = after.get(key) ?? [];
    if (old.length === now.length && old.every((value, index) => value === now[index])) continue;
    if (old.length <= 1 && now.length <= 1 && old.length + now.length === 2) {
      parts.push(`${key} ${old[0]}->${now[0]}`);
      continue;
    }
    const added = now.filter((value) => !old.includes(value)).map((value) => `+${value}`);
    const removed = old.filter((value) => !now.includes(value)).map((value) => `-${value}`);
    const changes = [...added, ...removed];
    const shown = changes.slice(0, VALUES_SHOWN_PER_KEY);
    const more = changes.length > shown.length ? ` +${changes.length - shown.length} more` : '';
    parts.push(changes.length === 0 ? `${key} reordered` : `${key} ${shown.join(' ')}${more}`);
  }
  return parts.length === 0 ? 'no change' : parts.join('; ');
}
