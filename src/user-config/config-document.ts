/**
 * One config-per-user / config-per-group file as the agent models it: the options ocserv
 * reads (canonical keys and values) plus the file's lines, so that a rewrite keeps the
 * comments, blank lines and keys the model does not know where the operator put them.
 */
export interface ConfigDocument {
  /** Canonical key (never an alias) -> canonical values in file order; a single-valued key keeps its last line, as ocserv does. */
  readonly options: ReadonlyMap<string, readonly string[]>;
  /** The file's lines as parsed (the agent's own header line excluded). */
  readonly lines: readonly ConfigLine[];
}

export type ConfigLine =
  /** A line ocserv reads as option `key` (canonical), with its canonical value. */
  | { readonly kind: 'option'; readonly key: string; readonly value: string; readonly raw: string }
  /** A comment, a blank line, a key the model does not know, or anything in a [section] (ocserv skips those). */
  | { readonly kind: 'preserved'; readonly raw: string };

export function emptyDocument(): ConfigDocument {
  return { options: new Map(), lines: [] };
}

/** The same file with its options replaced by `options` (keys with no values dropped); its other lines stay. */
export function withOptions(document: ConfigDocument, options: ReadonlyMap<string, readonly string[]>): ConfigDocument {
  return { options: new Map([...options].filter(([, values]) => values.length > 0)), lines: document.lines };
}
