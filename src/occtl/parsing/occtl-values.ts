import type { OcctlValue } from './occtl-json.parser';

/*
 * Field coercion for occtl records. occtl prints numbers and booleans as
 * strings ("MTU": "1472", "Restricted to routes": "False") in some fields and
 * as JSON numbers in others (1/0 for session flags), and the kind changes
 * between versions, so every reader accepts both and returns undefined (or an
 * empty value) rather than guessing.
 */

const INTEGER_PATTERN = /^-?\d{1,16}$/;
/** "2026-11-21 19:10" (occtl's "%Y-%m-%d %H:%M", local time); seconds accepted in case a version adds them. */
const LOCAL_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ELAPSED_PART_PATTERN = /^(\d{1,9})\s*(days?|d|h|m|s)$/;
const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { day: 86_400, days: 86_400, d: 86_400, h: 3_600, m: 60, s: 1 };
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', '1']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', '0']);

/** The text of a scalar; '' for a missing field, null, an array or an object. */
export function asString(value: OcctlValue | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** A safe integer from 24356 or "24356"; undefined for anything else ("352 bytes", 1.5, ""). */
export function asInt(value: OcctlValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!INTEGER_PATTERN.test(text)) return undefined;
  const parsed = Number(text);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** true/false, 1/0, "True"/"False", "1"/"0", "yes"/"no"; undefined for anything else. */
export function asBool(value: OcctlValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/**
 * A list field: an array's non-empty scalars, or a lone scalar as a list of one
 * (1.1.6 prints `"Routes": "defaultroute"` where others print an array).
 */
export function asStringList(value: OcctlValue | undefined): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => asString(item)).filter((item) => item !== '');
}

/** Epoch milliseconds from a `raw_*` epoch-seconds field; ocserv prints 0 when it does not know. */
export function asEpochMs(value: OcctlValue | undefined): number | undefined {
  const seconds = asInt(value);
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * "2026-11-21 19:10" as epoch milliseconds, read in this process's time zone
 * (occtl formats with localtime() on the same machine). undefined if unreadable.
 */
export function parseOcctlLocalTime(text: string): number | undefined {
  const match = LOCAL_TIME_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? '0'));
  if (year < 1970 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(year, month - 1, day, hour, minute, second);
  // Date rolls 2026-02-30 over to March; a day that does not exist is unreadable, not another day.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return undefined;
  return date.getTime();
}

/**
 * occtl's elapsed-time column ("    6s", " 5m:03s", " 2h:13m", " 3d:04h",
 * " 3days") in seconds; undefined for "   ?   " (clock went back) or other text.
 * Units must run from large to small, each at most once.
 */
export function parseOcctlElapsedSeconds(text: string): number | undefined {
  const parts = text.trim().split(':');
  let total = 0;
  let previousUnitSeconds = Number.POSITIVE_INFINITY;
  for (const part of parts) {
    const match = ELAPSED_PART_PATTERN.exec(part.trim());
    if (match === null) return undefined;
    const unitSeconds = SECONDS_PER_UNIT[match[2] ?? ''] ?? 0;
    if (unitSeconds === 0 || unitSeconds >= previousUnitSeconds) return undefined;
    previousUnitSeconds = unitSeconds;
    total += Number(match[1]) * unitSeconds;
  }
  return total;
}
