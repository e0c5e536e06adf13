import { z } from 'zod';

/*
 * Turns zod issues into one line each that names the key, the value and what was
 * expected, e.g. `session.ttl_seconds: got "1d", expected number`. Operators read
 * these in `journalctl -u ocserv-agent`, so they must stand on their own.
 */

const SHOWN_VALUE_MAX_LENGTH = 60;

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
      return issue.keys.map((unknown) => `${joinKey(key, unknown)}: unknown key${hint}`);
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
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

function joinKey(parent: string, child: string): string {
  return parent === '(top level)' ? child : `${parent}.${child}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

export function showValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_VALUE_MAX_LENGTH ? `${text.slice(0, SHOWN_VALUE_MAX_LENGTH)}…` : text;
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
