import { AgentError } from '../errors/agent-error';
import { echoValue } from '../validation/vpn-identifiers';
import type { ConfigDocument, ConfigLine } from './config-document';
import { optionSpec } from './ocserv-option.catalog';
import { MAX_OPTION_VALUE_LENGTH, normalizeOptionValue } from './ocserv-option.validator';
import { MAX_LIST_VALUES, MAX_MAP_ENTRIES } from './option-input';
import { MANAGED_HEADER } from './ocserv-config.renderer';

/** inih as ocserv builds it reads lines of at most 2,048 bytes; a longer line would be split into two. */
const MAX_LINE_LENGTH = 2000;
/** A per-user file with a thousand routes is ~30 KB; more lines than this is not a config. */
const MAX_LINES = 10_000;
// Tab is allowed in lines the agent keeps as they are (comments); nothing else below 0x20,
// no line separators, and no bidi controls (text that reads differently from what ocserv parses).
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * ocserv's per-user/per-group syntax, read the way its inih build reads it: `#` or `;`
 * starts a comment line, `name = value` or `name: value`, ` #` starts an inline comment,
 * quotes and spaces around a value are dropped, an indented line continues the previous
 * key (INI_ALLOW_MULTILINE). A `[section]` is refused: ocserv 1.5.1 rejects such a file,
 * earlier versions skip everything after it. Known keys are validated (INVALID_ARGUMENT
 * naming `field` and the line); unknown keys and comments are kept as they are. The
 * agent's own header line is dropped.
 */
export function parseConfigText(text: string, field = 'config_content'): ConfigDocument {
  const rawLines = text.split('\n');
  if (rawLines.at(-1) === '') rawLines.pop();
  if (rawLines.length > MAX_LINES) throw AgentError.invalidArgument(`${field}: at most ${MAX_LINES} lines; got ${rawLines.length}`);
  const lines: ConfigLine[] = [];
  const options = new Map<string, string[]>();
  let previousKey: string | undefined;
  rawLines.forEach((withCr, index) => {
    const raw = withCr.endsWith('\r') ? withCr.slice(0, -1) : withCr;
    const where = `${field} line ${index + 1}`;
    if (raw.length > MAX_LINE_LENGTH) throw AgentError.invalidArgument(`${where}: longer than ${MAX_LINE_LENGTH} characters`);
    if (UNSAFE_IN_LINE.test(raw)) throw AgentError.invalidArgument(`${where}: control characters are not allowed; got ${echoValue(raw)}`);
    if (index === 0 && raw === MANAGED_HEADER) return;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      lines.push({ kind: 'preserved', raw });
      return;
    }
    if (trimmed.startsWith('[')) {
      throw AgentError.invalidArgument(`${where}: [sections] are not read in per-user/per-group files (ocserv 1.5.1 rejects the login; earlier versions ignore the rest of the file)`);
    }
    const continued = raw !== raw.trimStart() && previousKey !== undefined;
    let key: string;
    let value: string;
    if (continued) {
      // inih takes a continuation line whole: no inline comment there, so a '#' stays in the value (and is refused).
      key = previousKey ?? '';
      value = trimmed.replace(/^"+|"+$/g, '');
    } else {
      const separator = trimmed.search(/[=:]/);
      if (separator <= 0) throw AgentError.invalidArgument(`${where}: expected "key = value"; got ${echoValue(raw)}`);
      key = trimmed.slice(0, separator).trim();
      value = cleanValue(trimmed.slice(separator + 1));
    }
    const spec = optionSpec(key);
    previousKey = key;
    if (spec === undefined) {
      lines.push({ kind: 'preserved', raw });
      return;
    }
    if (value.length > MAX_OPTION_VALUE_LENGTH) throw AgentError.invalidArgument(`${where} (${spec.key}): a value is at most ${MAX_OPTION_VALUE_LENGTH} characters`);
    const canonical = normalizeOptionValue(spec.key, value, `${where} (${spec.key})`);
    lines.push({ kind: 'option', key: spec.key, value: canonical, raw });
    const values = options.get(spec.key) ?? [];
    if (spec.repeatable) {
      if (!values.includes(canonical)) values.push(canonical);
      options.set(spec.key, values);
    } else {
      options.set(spec.key, [canonical]);
    }
  });
  const spellings = lines.filter((line): line is Extract<ConfigLine, { kind: 'option' }> => line.kind === 'option' && line.key === 'tunnel_all_dns');
  if (new Set(spellings.map((line) => line.value)).size > 1) {
    throw AgentError.invalidArgument(`${field}: tunnel_all_dns and tunnel-all-dns disagree; ocserv versions would read different values`);
  }
  return { options, lines };
}

/** ocserv's own cleaning (inih then sanitize_config_value): inline comment off, then spaces and quotes at both ends. */
function cleanValue(text: string): string {
  const comment = text.search(/\s#/);
  const uncommented = comment === -1 ? text : text.slice(0, comment);
  return uncommented.replace(/^[\s"]+|[\s"]+$/g, '');
}

/**
 * The JSON body format: an object of option -> value, where a value is a string, a number,
 * a boolean, or (for a repeatable key) an array of them; null or [] leaves the key out.
 * Every key must be a known option (an alias is read as its key), every value valid.
 */
export function optionsFromJson(json: unknown, field = 'config_content'): Map<string, string[]> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw AgentError.invalidArgument(`${field}: expected a JSON object of ocserv options, e.g. {"route": ["10.0.0.0/8"]}`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length > MAX_MAP_ENTRIES) throw AgentError.invalidArgument(`${field}: at most ${MAX_MAP_ENTRIES} options; got ${entries.length}`);
  const options = new Map<string, string[]>();
  for (const [rawKey, rawValue] of entries) {
    const spec = optionSpec(rawKey);
    const where = `${field}.${rawKey}`;
    if (spec === undefined) throw AgentError.invalidArgument(`${field}: ${echoValue(rawKey)} is not an ocserv per-user/per-group option`);
    if (rawValue === null) continue;
    const list = Array.isArray(rawValue) ? rawValue : [rawValue];
    if (list.length > 1 && !spec.repeatable) throw AgentError.invalidArgument(`${where}: ${spec.key} takes one value`);
    if (list.length > MAX_LIST_VALUES) throw AgentError.invalidArgument(`${where}: at most ${MAX_LIST_VALUES} values`);
    const values = list.map((item, index) => {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
        throw AgentError.invalidArgument(`${where}[${index}]: expected a string, number or boolean`);
      }
      return normalizeOptionValue(spec.key, String(item), Array.isArray(rawValue) ? `${where}[${index}]` : where);
    });
    const unique = values.filter((value, index) => values.indexOf(value) === index);
    if (unique.length > 0) options.set(spec.key, unique);
  }
  return options;
}
