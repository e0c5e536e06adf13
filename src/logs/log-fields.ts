/*
 * Structured fields travel in a protobuf map on every LogEntry. A logged object
 * can be arbitrarily wide and deep; these caps keep one line from turning into
 * a megabyte on the wire.
 */

export const MAX_LOG_FIELDS = 64;
export const MAX_LOG_FIELD_VALUE_BYTES = 2 * 1024;
/** Trailing replacement characters left where a cut split a multi-byte character. */
const CUT_CHARACTER = /\uFFFD+$/;

/** `text` cut to at most `maxBytes` of UTF-8, never leaving half a character behind. */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short strings skip the encoding.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) {
    return text;
  }
  return Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8').replace(CUT_CHARACTER, '');
}

/** A field value as text: strings as they are, everything else as JSON. */
export function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  const json = JSON.stringify(value) as string | undefined;
  return json ?? String(value);
}

/** The first MAX_LOG_FIELDS entries, each value at most MAX_LOG_FIELD_VALUE_BYTES. */
export function capFields(entries: Iterable<readonly [string, unknown]>): Record<string, string> {
  const fields: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of entries) {
    if (count >= MAX_LOG_FIELDS) break;
    fields[key] = truncateUtf8(fieldText(value), MAX_LOG_FIELD_VALUE_BYTES);
    count += 1;
  }
  return fields;
}

/** `raw` parsed as one JSON object (a log line of pino or journalctl), or undefined for anything else. */
export function parseJsonObjectLine(raw: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  return parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) ? undefined : (parsed as Record<string, unknown>);
}
