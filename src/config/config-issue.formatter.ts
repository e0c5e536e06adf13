import { z } from 'zod';

/*
 * Turns zod issues into one line each that names the key, the value and what was
 * expected, e.g. `session.ttl_seconds: got "1d", expected number`. Operators read
 * these in `journalctl -u ocserv-agent`, so they must stand on their own.
 */

/** Longer values are cut: an echoed value names the mistake, it need not reproduce it. */
const SHOWN_VALUE_MAX_CHARS = 64;

export const KEY_MATERIAL_NOT_SHOWN = '<value looks like key material; not shown>';

/** A PEM block, or a base64 run as long as a 30-byte secret with the mix of cases and digits base64 gives. */
const PEM_MARKER = /-----BEGIN/;
const BASE64_RUN = /[A-Za-z0-9+/]{40,}/g;

export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType): string[] {
  return issues.flatMap((issue) => formatIssue(issue, schema));
}

function formatIssue(issue: z.core.$ZodIssue, schema: z.ZodType): string[] {
  const key = dottedKey(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, issue.path);
      const hint = known.length > 0 ? ` (known keys here: ${known.join(', ')})` : '';
      return issue.keys.map((unknown) => `${joinKey(key, showName(unknown))}: unknown key${hint}`);
    }
    case 'invalid_type':
      return input === undefined
        ? [`${key}: missing, expected ${issue.expected}`]
        : [`${key}: got ${showValue(input)}, expected ${issue.expected}`];
    case 'invalid_key': {
      // zod's own message is "Invalid key in record"; what the key must be is in the nested issue.
      const expected = issue.issues[0]?.message ?? issue.message;
      return [`${dottedKey(issue.path.slice(0, -1))}: got key ${showValue(input)}, ${lowerFirst(expected)}`];
    }
    case 'invalid_value':
      return [`${key}: got ${showValue(input)}, expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`];
    default:
      // A cross-field rule is checked on the enclosing mapping; its message says what is wrong.
      return typeof input === 'object' && input !== null
        ? [`${key}: ${lowerFirst(issue.message)}`]
        : [`${key}: got ${showValue(input)}, ${lowerFirst(issue.message)}`];
  }
}

function dottedKey(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map((segment) => showName(String(segment))).join('.');
}

function joinKey(parent: string, child: string): string {
  return parent === '(top level)' ? child : `${parent}.${child}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * A rejected value as error messages show it: JSON-quoted (a newline cannot
 * forge a second line), cut past `maxChars` with its full length, and never
 * anything that looks like key material, since these lines reach the journal.
 * Hiding a value that only resembles a key costs a less helpful message, nothing more.
 */
export function showValue(value: unknown, maxChars = SHOWN_VALUE_MAX_CHARS): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value !== 'string') return String(value);
  if (looksLikeKeyMaterial(value)) return KEY_MATERIAL_NOT_SHOWN;
  const chars = [...value];
  // The same shape as echoValue in validation/ (gRPC and IPC errors): `"abc…" (500 chars)`.
  return chars.length > maxChars ? `${JSON.stringify(`${chars.slice(0, maxChars).join('')}…`)} (${chars.length} chars)` : JSON.stringify(value);
}

/** A key name from the file, shown bare (`grpc.lisen`) but cut and screened like a value. */
export function showName(name: string): string {
  if (looksLikeKeyMaterial(name)) return KEY_MATERIAL_NOT_SHOWN;
  const chars = [...name];
  const cut = chars.length > SHOWN_VALUE_MAX_CHARS ? `${chars.slice(0, SHOWN_VALUE_MAX_CHARS).join('')}… (${chars.length} chars)` : name;
  return JSON.stringify(cut).slice(1, -1);
}

export function looksLikeKeyMaterial(text: string): boolean {
  if (PEM_MARKER.test(text)) return true;
  for (const [run] of text.matchAll(BASE64_RUN)) {
    if (/[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run)) return true;
  }
  return false;
}

/** The keys an object schema accepts at `path`, looking through default/prefault/optional wrappers. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!(current instanceof z.ZodObject)) return [];
    current = unwrap(current.shape[String(segment)] as z.ZodType | undefined);
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}
