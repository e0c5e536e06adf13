import { OcctlOutputError } from './occtl-output.error';

/** A value in occtl's JSON, after duplicate keys were merged. */
export type OcctlValue = string | number | boolean | null | OcctlValue[] | OcctlRecord;

/** One object occtl printed: a user, a session, a ban, the status. */
export interface OcctlRecord {
  readonly [key: string]: OcctlValue;
}

/** Far above any real `show users` (a few KB per session); beyond it the output is not occtl's. */
export const OCCTL_JSON_MAX_BYTES = 16 * 1024 * 1024;
/** occtl nests two levels (array of objects holding arrays); the cap keeps recursion bounded on hostile input. */
export const OCCTL_JSON_MAX_DEPTH = 32;

type Member = readonly [key: string, value: OcctlValue];

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER_PATTERN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const PLAIN_RUN_PATTERN = /[^"\\]*/y;
const HEX4_PATTERN = /^[0-9a-fA-F]{4}$/;

/**
 * occtl's `-j` output as records. occtl writes its JSON with printf, and it
 * shows (ocserv 1.1.6 - 1.3):
 * - duplicate keys in one object (`"Routes": []` then `"Routes": "defaultroute"`;
 *   `"TX"` twice in 1.2.0): merged, see mergeOcctlValues;
 * - trailing commas and missing commas, between members and between objects;
 * - `show status` as a bare object, and `show iroutes` (1.1.6) as ONE bare object
 *   holding every user's members in a row: a repeat of an object's first key
 *   starts a new record (applied to every record-level object);
 * - raw control characters and invalid escapes in strings (kept literally).
 * Empty output, or an empty array, is zero records; an object without members is
 * no record. Anything else that is not such JSON throws OcctlOutputError.
 */
export function parseOcctlJson(text: string): OcctlRecord[] {
  if (text.length > OCCTL_JSON_MAX_BYTES || Buffer.byteLength(text, 'utf8') > OCCTL_JSON_MAX_BYTES) {
    throw new OcctlOutputError(`occtl output is larger than ${OCCTL_JSON_MAX_BYTES} bytes`, text);
  }
  return new OcctlJsonReader(text).readRecords();
}

/**
 * Merges a repeated key's value into the first one. Arrays concatenate; an
 * empty array, empty string or null yields to the other value; an array and a
 * scalar give the array with the scalar appended; two objects merge member-wise;
 * of two different non-empty scalars the first wins (1.2.0 prints `"TX"` twice; the
 * first is the raw counter).
 */
function mergeOcctlValues(first: OcctlValue, second: OcctlValue): OcctlValue {
  // Appending in place: merging copies would make many repeats of one key quadratic.
  if (Array.isArray(first) && Array.isArray(second)) return appendAll(first, second);
  if (isEmpty(first)) return second;
  if (isEmpty(second)) return first;
  if (Array.isArray(first)) return appendAll(first, [second]);
  if (Array.isArray(second)) return appendAll(second, [first]);
  if (isObject(first) && isObject(second)) return mergeMembers([...Object.entries(first), ...Object.entries(second)]);
  return first;
}

function appendAll(target: OcctlValue[], items: readonly OcctlValue[]): OcctlValue[] {
  for (const item of items) target.push(item);
  return target;
}

function isEmpty(value: OcctlValue): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function isObject(value: OcctlValue): value is OcctlRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function putMember(target: Map<string, OcctlValue>, key: string, value: OcctlValue): void {
  const existing = target.get(key);
  target.set(key, existing === undefined ? value : mergeOcctlValues(existing, value));
}

/** One object from its members, duplicates merged. fromEntries defines "__proto__" as a plain key. */
function mergeMembers(members: readonly Member[]): OcctlRecord {
  const merged = new Map<string, OcctlValue>();
  for (const [key, value] of members) putMember(merged, key, value);
  return Object.fromEntries(merged);
}

/** Record-level split: the object's first key appearing again starts the next record. */
function splitRecords(members: readonly Member[]): OcctlRecord[] {
  const records: Array<Map<string, OcctlValue>> = [];
  const firstKey = members[0]?.[0];
  let current: Map<string, OcctlValue> | undefined;
  for (const [key, value] of members) {
    if (current === undefined || (key === firstKey && current.has(key))) {
      current = new Map();
      records.push(current);
    }
    putMember(current, key, value);
  }
  return records.map((record) => Object.fromEntries(record));
}

/** A cursor over the text; every read method starts at the value it reads. */
class OcctlJsonReader {
  private pos = 0;

  constructor(private readonly text: string) {
    if (text.startsWith('\uFEFF')) this.pos = 1;
  }

  readRecords(): OcctlRecord[] {
    const records: OcctlRecord[] = [];
    this.skipSpace();
    if (this.atEnd()) return records;
    if (this.peek() === '[') {
      this.readSequence(']', 1, () => records.push(...this.readRecordObject(2)));
    } else if (this.peek() === '{') {
      // Bare objects: `show status`, and 1.1.6 `show iroutes`. Tolerate commas between them.
      while (this.peek() === '{') {
        records.push(...this.readRecordObject(1));
        this.skipSpace();
        if (this.peek() === ',') this.skipPast(1);
      }
    } else {
      this.fail('occtl output is not JSON');
    }
    this.skipSpace();
    if (!this.atEnd()) this.fail('unexpected text after the JSON');
    return records;
  }

  private readRecordObject(depth: number): OcctlRecord[] {
    if (this.peek() !== '{') this.fail('expected an object');
    return splitRecords(this.readMembers(depth));
  }

  private readMembers(depth: number): Member[] {
    const members: Member[] = [];
    this.readSequence('}', depth, () => {
      if (this.peek() !== '"') this.fail('expected a quoted key');
      const key = this.readString();
      this.skipSpace();
      if (this.peek() !== ':') this.fail(`expected ':' after key ${JSON.stringify(key)}`);
      this.skipPast(1);
      members.push([key, this.readValue(depth)]);
    });
    return members;
  }

  /** Items up to `close`, the cursor on the opening bracket. A comma between items is optional, a trailing one allowed. */
  private readSequence(close: string, depth: number, readItem: () => void): void {
    if (depth > OCCTL_JSON_MAX_DEPTH) this.fail(`nesting deeper than ${OCCTL_JSON_MAX_DEPTH} levels`);
    this.skipPast(1);
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) this.fail(`output ends before the closing '${close}' (truncated?)`);
      if (this.peek() === close) {
        this.skipPast(1);
        return;
      }
      readItem();
      this.skipSpace();
      if (this.peek() === ',') this.skipPast(1);
    }
  }

  private readValue(depth: number): OcctlValue {
    this.skipSpace();
    const next = this.peek();
    if (next === '"') return this.readString();
    if (next === '{') return mergeMembers(this.readMembers(depth + 1));
    if (next === '[') {
      const items: OcctlValue[] = [];
      this.readSequence(']', depth + 1, () => items.push(this.readValue(depth + 1)));
      return items;
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.skipPast(word.length);
        return value;
      }
    }
    NUMBER_PATTERN.lastIndex = this.pos;
    const number = NUMBER_PATTERN.exec(this.text);
    if (number === null) this.fail(this.atEnd() ? 'output ends where a value was expected (truncated?)' : 'expected a value');
    this.skipPast(number[0].length);
    return Number(number[0]);
  }

  /** A quoted string; occtl does not escape control characters, and an escape JSON does not know is kept as printed. */
  private readString(): string {
    const start = this.pos;
    this.skipPast(1);
    let value = '';
    for (;;) {
      PLAIN_RUN_PATTERN.lastIndex = this.pos;
      const run = PLAIN_RUN_PATTERN.exec(this.text)?.[0] ?? '';
      value += run;
      this.skipPast(run.length);
      if (this.atEnd()) {
        this.pos = start;
        this.fail('unterminated string (truncated?)');
      }
      if (this.peek() === '"') {
        this.skipPast(1);
        return value;
      }
      value += this.readEscape();
    }
  }

  private readEscape(): string {
    const letter = this.text.charAt(this.pos + 1);
    const simple = SIMPLE_ESCAPES[letter];
    if (simple !== undefined) {
      this.skipPast(2);
      return simple;
    }
    const hex = this.text.slice(this.pos + 2, this.pos + 6);
    if (letter === 'u' && HEX4_PATTERN.test(hex)) {
      this.skipPast(6);
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    this.skipPast(1);
    return '\\';
  }

  private peek(): string {
    return this.text.charAt(this.pos);
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private skipPast(chars: number): void {
    this.pos += chars;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text.charAt(this.pos))) this.pos++;
  }

  private fail(reason: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new OcctlOutputError(`unreadable occtl JSON: ${reason} at line ${line}, column ${column}`, this.text);
  }
}
