/**
 * Reads the portal's wire contract (markdown, see wire-contract.md next to this file) into a model the proto
 * checker can compare against. The parser is strict on purpose: a line it cannot read is an error, never skipped,
 * so a notation it does not know cannot make the contract silently smaller and the check pass vacuously.
 */

export interface ExpectedField {
  readonly name: string;
  readonly number: number;
  /** A scalar (`string`, `uint64`...) or the fully-qualified message/enum name (`vpn.v1.ConfigType`); for a map, the value type. */
  readonly type: string;
  readonly repeated: boolean;
  /** Only for map fields. */
  readonly mapKeyType?: string;
  readonly oneof?: string;
}

export interface ExpectedMessage {
  readonly fullName: string;
  readonly fields: readonly ExpectedField[];
}

export interface ExpectedEnum {
  readonly fullName: string;
  readonly values: readonly { readonly name: string; readonly number: number }[];
}

export interface ExpectedMethod {
  readonly name: string;
  readonly requestType: string;
  readonly requestStream: boolean;
  readonly responseType: string;
  readonly responseStream: boolean;
}

export interface ExpectedService {
  readonly fullName: string;
  readonly methods: readonly ExpectedMethod[];
}

export interface ExpectedPackage {
  readonly name: string;
  readonly services: readonly ExpectedService[];
  readonly messages: readonly ExpectedMessage[];
  readonly enums: readonly ExpectedEnum[];
}

export interface ExpectedContract {
  readonly packages: readonly ExpectedPackage[];
  /** `##` sections known not to describe protos (their titles), kept so a test can see they were skipped deliberately. */
  readonly ignoredSections: readonly string[];
}

export class WireContractParseError extends Error {
  constructor(lineNumber: number, line: string, reason: string) {
    super(`wire contract line ${lineNumber}: ${reason}: ${JSON.stringify(line)}`);
    this.name = WireContractParseError.name;
  }
}

/** Sections of the contract that describe something other than protos (the connect-script socket framing). */
const NON_PROTO_SECTION_PREFIXES = ['connect-script IPC framing'];
const SCALAR_TYPES = new Set(
  'double float int32 int64 uint32 uint64 sint32 sint64 fixed32 fixed64 sfixed32 sfixed64 bool string bytes'.split(' '),
);
const TIMESTAMP_TYPE = 'google.protobuf.Timestamp';
// The contract's `map` is always map<string, string>.
const MAP_KEY_TYPE = 'string';
const MAP_VALUE_TYPE = 'string';
const FIELD_PATTERN = /^(\w+) ([\w|]+)(\[\])? = (\d+)(?: \([^()]*\))?$/;

interface PackageBuilder {
  name: string;
  services: { fullName: string; methods: ExpectedMethod[] }[];
  messages: ExpectedMessage[];
  enums: ExpectedEnum[];
}

type Section = { kind: 'preamble' } | { kind: 'ignored' } | { kind: 'proto'; pkg: PackageBuilder };

export function parseWireContract(markdown: string): ExpectedContract {
  return new WireContractParser().parse(markdown);
}

class WireContractParser {
  private readonly packages: PackageBuilder[] = [];
  private readonly ignoredSections: string[] = [];
  private readonly references: { fullName: string; pkg: PackageBuilder; lineNumber: number; line: string }[] = [];
  private section: Section = { kind: 'preamble' };
  private service?: PackageBuilder['services'][number];
  private lineNumber = 0;
  private line = '';

  parse(markdown: string): ExpectedContract {
    markdown.split(/\r?\n/).forEach((line, index) => {
      this.lineNumber = index + 1;
      this.line = line;
      this.parseLine(line.trim());
    });
    for (const ref of this.references) {
      if (!this.isDefined(ref.pkg, ref.fullName)) {
        throw new WireContractParseError(ref.lineNumber, ref.line, `unknown type ${ref.fullName}`);
      }
    }
    if (this.packages.length === 0) throw new Error('wire contract: no "## proto package" section found');
    return { packages: this.packages, ignoredSections: this.ignoredSections };
  }

  private parseLine(line: string): void {
    if (line.startsWith('## ')) return this.enterSection(line.slice(3));
    // Prose before the first section (title, notation) and non-proto sections hold no wire definitions.
    if (this.section.kind !== 'proto' || line === '') return;
    const pkg = this.section.pkg;
    if (line.startsWith('### ')) return this.enterSubsection(pkg, line.slice(4));
    if (line.startsWith('|')) return this.parseTableRow(pkg, line);
    if (line.startsWith('- enum ')) return this.parseEnum(pkg, line.slice('- enum '.length));
    if (line.startsWith('- ')) {
      // `A: ... · B: ...` defines two messages on one line.
      return line.slice(2).split(' · ').forEach((definition) => this.parseMessages(pkg, definition));
    }
    throw this.fail('not a service table row, message or enum');
  }

  private enterSection(title: string): void {
    this.service = undefined;
    const proto = /^proto package `([a-z][\w.]*)`/.exec(title);
    if (proto) {
      const existing = this.packages.find((p) => p.name === proto[1]);
      const pkg = existing ?? { name: proto[1], services: [], messages: [], enums: [] };
      if (!existing) this.packages.push(pkg);
      this.section = { kind: 'proto', pkg };
    } else if (NON_PROTO_SECTION_PREFIXES.some((prefix) => title.startsWith(prefix))) {
      this.ignoredSections.push(title);
      this.section = { kind: 'ignored' };
    } else {
      throw this.fail('unknown section (neither a proto package nor a known non-proto section)');
    }
  }

  private enterSubsection(pkg: PackageBuilder, title: string): void {
    const service = /^service (\w+)\b/.exec(title);
    if (service) {
      const fullName = `${pkg.name}.${service[1]}`;
      if (pkg.services.some((s) => s.fullName === fullName)) throw this.fail(`service ${fullName} defined twice`);
      this.service = { fullName, methods: [] };
      pkg.services.push(this.service);
    } else if (title === 'messages') {
      this.service = undefined;
    } else {
      throw this.fail('unknown subsection (expected "service Name" or "messages")');
    }
  }

  private parseTableRow(pkg: PackageBuilder, line: string): void {
    const cells = line.endsWith('|') ? line.split('|').slice(1, -1).map((cell) => cell.trim()) : [];
    if (cells.length !== 3) throw this.fail('a service table row needs exactly three cells: rpc | request | response');
    if (!this.service) throw this.fail('rpc table row outside a "### service" subsection');
    if (cells.join('|') === 'rpc|request|response' || cells.every((cell) => /^-+$/.test(cell))) return;
    const [name, request, response] = cells;
    if (!/^\w+$/.test(name)) throw this.fail(`bad rpc name ${name}`);
    if (this.service.methods.some((m) => m.name === name)) throw this.fail(`rpc ${name} defined twice`);
    const [requestType, requestStream] = this.parseRpcEnd(pkg, request);
    const [responseType, responseStream] = this.parseRpcEnd(pkg, response);
    this.service.methods.push({ name, requestType, requestStream, responseType, responseStream });
  }

  private parseRpcEnd(pkg: PackageBuilder, cell: string): [string, boolean] {
    const match = /^(stream )?([A-Z]\w*)$/.exec(cell);
    if (!match) throw this.fail(`bad rpc request/response ${JSON.stringify(cell)}`);
    return [this.reference(pkg, match[2]), match[1] !== undefined];
  }

  private parseEnum(pkg: PackageBuilder, text: string): void {
    // `- enum ConfigType (vpn.v1, distinct from agent.v1's): UNSPECIFIED = 0, USER = 1`: the aside is prose.
    const match = /^([A-Z]\w*)(?: \([^()]*\))?: (.+)$/.exec(text);
    if (!match) throw this.fail('bad enum (expected "enum Name: UNSPECIFIED = 0, ...")');
    const prefix = screamingSnake(match[1]);
    const values = match[2].split(', ').map((item) => {
      const value = /^([A-Z][A-Z0-9_]*) = (\d+)$/.exec(item);
      if (!value) throw this.fail(`bad enum value ${JSON.stringify(item)}`);
      return { name: `${prefix}_${value[1]}`, number: Number(value[2]) };
    });
    if (!values.some((v) => v.number === 0 && v.name === `${prefix}_UNSPECIFIED`)) {
      throw this.fail('enum without UNSPECIFIED = 0');
    }
    this.assertUnique(values.map((v) => v.name), values.map((v) => v.number), 'enum value');
    this.define(pkg, match[1]);
    pkg.enums.push({ fullName: `${pkg.name}.${match[1]}`, values });
  }

  /** `Name: fields`, or `A / B: fields` where a field typed `X|Y` is X in A and Y in B. */
  private parseMessages(pkg: PackageBuilder, definition: string): void {
    const match = /^([A-Z]\w*(?: \/ [A-Z]\w*)*): (.+)$/.exec(definition);
    if (!match) throw this.fail('bad message (expected "Name: field type = n; ...")');
    const names = match[1].split(' / ');
    // `GroupConfig: groupname string = 1, then the same fields 2..8 as UserConfig`
    const inherit = /^(.+), then the same fields (\d+)\.\.(\d+) as ([A-Z]\w*)$/.exec(match[2]);
    const body = inherit ? inherit[1] : match[2];
    const perMessage: ExpectedField[][] = names.map(() => []);
    for (const item of this.splitTopLevel(body)) {
      const oneof = /^oneof (\w+) \{ (.+) \}$/.exec(item);
      const fieldTexts = oneof ? this.splitTopLevel(oneof[2]) : [item];
      for (const fieldText of fieldTexts) {
        this.parseField(pkg, fieldText, names.length, oneof?.[1]).forEach((field, i) => perMessage[i].push(field));
      }
    }
    names.forEach((name, i) => {
      const fields = inherit ? [...perMessage[i], ...this.inheritedFields(pkg, inherit)] : perMessage[i];
      this.assertUnique(fields.map((f) => f.name), fields.map((f) => f.number), 'field');
      this.define(pkg, name);
      pkg.messages.push({ fullName: `${pkg.name}.${name}`, fields });
    });
  }

  /** One field, as seen by each of `count` paired messages. */
  private parseField(pkg: PackageBuilder, text: string, count: number, oneof?: string): ExpectedField[] {
    const match = FIELD_PATTERN.exec(text);
    if (!match) throw this.fail(`bad field ${JSON.stringify(text)} (expected "name type = n")`);
    const [, name, typeText, brackets, numberText] = match;
    const alternatives = typeText.split('|');
    if (alternatives.length !== 1 && alternatives.length !== count) {
      throw this.fail(`field ${name}: ${alternatives.length} alternative types for ${count} message(s)`);
    }
    return Array.from({ length: count }, (_, i) => {
      const shorthand = alternatives[alternatives.length === 1 ? 0 : i];
      const repeated = brackets !== undefined;
      if (shorthand === 'map' && repeated) throw this.fail(`field ${name}: a map cannot be repeated`);
      const base = { name, number: Number(numberText), repeated, ...(oneof ? { oneof } : {}) };
      if (shorthand === 'map') return { ...base, type: MAP_VALUE_TYPE, mapKeyType: MAP_KEY_TYPE };
      if (shorthand === 'ts') return { ...base, type: TIMESTAMP_TYPE };
      if (SCALAR_TYPES.has(shorthand)) return { ...base, type: shorthand };
      if (/^[A-Z]\w*$/.test(shorthand)) return { ...base, type: this.reference(pkg, shorthand) };
      throw this.fail(`field ${name}: unknown type ${shorthand}`);
    });
  }

  private inheritedFields(pkg: PackageBuilder, inherit: RegExpExecArray): ExpectedField[] {
    const [, , fromText, toText, sourceName] = inherit;
    const source = pkg.messages.find((m) => m.fullName === `${pkg.name}.${sourceName}`);
    if (!source) throw this.fail(`"the same fields as ${sourceName}" before ${sourceName} is defined`);
    const [from, to] = [Number(fromText), Number(toText)];
    const fields = source.fields.filter((f) => f.number >= from && f.number <= to);
    if (fields.length !== to - from + 1) throw this.fail(`${sourceName} does not have every field ${from}..${to}`);
    return fields;
  }

  /** Splits on `;` outside braces and parentheses, so oneof bodies and asides stay whole. */
  private splitTopLevel(text: string): string[] {
    const items: string[] = [];
    let depth = 0;
    let current = '';
    for (const char of text) {
      if (char === '{' || char === '(') depth++;
      if (char === '}' || char === ')') depth--;
      if (char === ';' && depth === 0) {
        items.push(current.trim());
        current = '';
      } else {
        current += char;
      }
    }
    items.push(current.trim());
    if (depth !== 0 || items.some((item) => item === '')) throw this.fail('unbalanced braces or an empty item');
    return items;
  }

  private reference(pkg: PackageBuilder, name: string): string {
    const fullName = `${pkg.name}.${name}`;
    this.references.push({ fullName, pkg, lineNumber: this.lineNumber, line: this.line });
    return fullName;
  }

  private define(pkg: PackageBuilder, name: string): void {
    if (this.isDefined(pkg, `${pkg.name}.${name}`)) throw this.fail(`${pkg.name}.${name} defined twice`);
  }

  private isDefined(pkg: PackageBuilder, fullName: string): boolean {
    return [...pkg.messages, ...pkg.enums].some((type) => type.fullName === fullName);
  }

  private assertUnique(names: string[], numbers: number[], what: string): void {
    if (new Set(names).size !== names.length) throw this.fail(`duplicate ${what} name`);
    if (new Set(numbers).size !== numbers.length) throw this.fail(`duplicate ${what} number`);
  }

  private fail(reason: string): WireContractParseError {
    return new WireContractParseError(this.lineNumber, this.line, reason);
  }
}

/** `DisconnectReason` -> `DISCONNECT_REASON`, `VPNStatus` -> `VPN_STATUS`: the prefix protobuf style gives enum values. */
function screamingSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}
