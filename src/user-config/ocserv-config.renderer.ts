import type { ConfigDocument } from './config-document';
import { catalogOrder, optionSpec } from './ocserv-option.catalog';

/** First line of every file the agent writes; dropped when the agent parses a file, so it never accumulates. */
export const MANAGED_HEADER = '# Managed by ocserv-agent: changes are written through its API; comments and unknown keys below are kept.';

/**
 * ocserv's `key = value` text for `document`: the header, then the file's lines in their
 * order, each known key's values at the place of its first line (its other lines dropped,
 * a removed key's lines too), then keys new to the file in catalog order. A key with other
 * spellings in some ocserv versions (tunnel_all_dns / tunnel-all-dns) is written in each.
 */
export function renderConfig(document: ConfigDocument): string {
  const out: string[] = [MANAGED_HEADER];
  const placed = new Set<string>();
  const place = (key: string): void => {
    if (placed.has(key)) return;
    placed.add(key);
    const values = document.options.get(key) ?? [];
    const spellings = [key, ...(optionSpec(key)?.writtenAlso ?? [])];
    for (const value of values) for (const spelling of spellings) out.push(`${spelling} = ${value}`);
  };
  for (const line of document.lines) {
    if (line.kind === 'preserved') out.push(line.raw);
    else place(line.key);
  }
  const added = [...document.options.keys()].filter((key) => !placed.has(key)).sort((a, b) => catalogOrder(a) - catalogOrder(b));
  for (const key of added) place(key);
  return `${out.join('\n')}\n`;
}
