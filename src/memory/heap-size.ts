/*
 * What a value costs in V8's heap, estimated from its text, for the byte budgets of the
 * session store, the decision cache and the agent log ring. V8 keeps a string whose
 * characters are all Latin-1 at one byte per character and any other at two (UTF-16), so
 * counting that way bounds the heap payload from above whatever the caller sends; UTF-8
 * byte counts would not (one CJK character in 2,000 ASCII ones makes the whole string
 * two-byte). Fixed costs (headers, properties) are per-structure constants next to their users.
 */

/** V8 string header, rounded up to its 8-byte alignment. */
export const STRING_HEADER_BYTES = 16;

const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/** Heap bytes of `text`: header plus one byte per character, two when any character is beyond Latin-1. */
export function stringHeapBytes(text: string): number {
  return STRING_HEADER_BYTES + text.length * (BEYOND_LATIN1.test(text) ? 2 : 1);
}

/** stringHeapBytes of every key and value, plus `perEntryBytes` for each entry's slot. */
export function recordHeapBytes(record: Readonly<Record<string, string>>, perEntryBytes: number): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(record)) {
    bytes += perEntryBytes + stringHeapBytes(key) + stringHeapBytes(value);
  }
  return bytes;
}

/**
 * `text` in a string of its own. V8 keeps a slice of a longer string (13+ characters) as
 * a view that holds the whole original alive, so a cut value costs what it was cut from:
 * measured, 20,000 values of 3,000 characters cut from 8,000 held 8 KB each, copied 3 KB.
 * structuredClone copies the characters exactly (a Buffer round trip would replace lone
 * surrogates).
 */
export function detachedCopy(text: string): string {
  return structuredClone(text);
}
