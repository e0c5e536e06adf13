/**
 * Compares the project's .proto files with the portal's wire contract and lists every way they drift apart.
 * Only what would break the portal is drift: additions (new fields with new numbers, new rpcs, messages,
 * services, enum values) are allowed and never reported.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import {
  ExpectedContract,
  ExpectedEnum,
  ExpectedField,
  ExpectedMessage,
  ExpectedService,
} from './wire-contract.parser';

/** Returns human-readable drift messages, each naming the package, service, message, field or enum value; [] = compatible. */
export function checkProtoContract(protoRoot: string, contract: ExpectedContract): string[] {
  let root: protobuf.Root;
  try {
    root = loadProtos(protoRoot);
  } catch (error) {
    return [`the protos under ${protoRoot} do not load: ${(error as Error).message}`];
  }
  const drift: string[] = [];
  for (const pkg of contract.packages) {
    if (!(lookup(root, pkg.name) instanceof protobuf.Namespace)) {
      drift.push(`missing package ${pkg.name}`);
      continue;
    }
    pkg.services.forEach((service) => checkService(root, service, drift));
    pkg.messages.forEach((message) => checkMessage(root, message, drift));
    pkg.enums.forEach((enumeration) => checkEnum(root, enumeration, drift));
  }
  return drift;
}

function loadProtos(protoRoot: string): protobuf.Root {
  const root = new protobuf.Root();
  // Imports are relative to the proto root, like buf's module root; google/protobuf/* come bundled with protobufjs.
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoRoot, target));
  root.loadSync(listProtoFiles(protoRoot), { keepCase: true });
  root.resolveAll();
  return root;
}

function listProtoFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) return listProtoFiles(dir, relative);
    return entry.name.endsWith('.proto') ? [relative] : [];
  });
}

/**
 * Exact walk from the root. protobufjs' own `lookup` falls back to searching every nested namespace, which could
 * find `x.vpn.v1.ConfigType` for `vpn.v1.ConfigType`.
 */
function lookup(root: protobuf.Root, fullName: string): protobuf.ReflectionObject | null {
  let node: protobuf.ReflectionObject | null = root;
  for (const part of fullName.split('.')) {
    node = node instanceof protobuf.Namespace ? (node.nested?.[part] ?? null) : null;
  }
  return node;
}

function checkService(root: protobuf.Root, expected: ExpectedService, drift: string[]): void {
  const service = lookup(root, expected.fullName);
  if (!(service instanceof protobuf.Service)) {
    drift.push(`missing service ${expected.fullName}`);
    return;
  }
  for (const method of expected.methods) {
    const actual = service.methods[method.name];
    const name = `rpc ${expected.fullName}.${method.name}`;
    if (!actual) {
      drift.push(`missing ${name}`);
      continue;
    }
    const ends = [
      ['request', rpcEnd(actual.requestStream, actual.resolvedRequestType), rpcEnd(method.requestStream, method.requestType)],
      ['response', rpcEnd(actual.responseStream, actual.resolvedResponseType), rpcEnd(method.responseStream, method.responseType)],
    ];
    for (const [end, is, should] of ends) {
      if (is !== should) drift.push(`${name}: ${end} is "${is}", the contract says "${should}"`);
    }
  }
}

/** `stream agent.v1.LogEntry`: type and streaming flag of one side of an rpc. */
function rpcEnd(stream: boolean | undefined, type: protobuf.Type | string | null): string {
  const typeName = type instanceof protobuf.Type ? withoutLeadingDot(type.fullName) : (type ?? '?');
  return `${stream ? 'stream ' : ''}${typeName}`;
}

function checkMessage(root: protobuf.Root, expected: ExpectedMessage, drift: string[]): void {
  const message = lookup(root, expected.fullName);
  if (!(message instanceof protobuf.Type)) {
    drift.push(message ? `${expected.fullName} is not a message` : `missing message ${expected.fullName}`);
    return;
  }
  for (const field of expected.fields) {
    const name = `${expected.fullName}.${field.name}`;
    const actual = message.fields[field.name];
    if (!actual) {
      const holder = message.fieldsById[field.number];
      drift.push(`missing field ${name} = ${field.number}${holder ? ` (number ${field.number} is now "${holder.name}")` : ''}`);
      continue;
    }
    compareField(drift, name, actual, field);
  }
}

function compareField(drift: string[], name: string, actual: protobuf.Field, expected: ExpectedField): void {
  const differs = (what: string, is: unknown, should: unknown): void => {
    if (is !== should) drift.push(`field ${name}: ${what} is ${String(is)}, the contract says ${String(should)}`);
  };
  differs('number', actual.id, expected.number);
  differs('type', actual.resolvedType ? withoutLeadingDot(actual.resolvedType.fullName) : actual.type, expected.type);
  differs('label', fieldLabel(actual.repeated, mapKeyType(actual)), fieldLabel(expected.repeated, expected.mapKeyType));
  differs('oneof', oneofName(actual) ?? 'none', expected.oneof ?? 'none');
}

function mapKeyType(field: protobuf.Field): string | undefined {
  return field instanceof protobuf.MapField ? field.keyType : undefined;
}

function fieldLabel(repeated: boolean, mapKey: string | undefined): string {
  if (mapKey !== undefined) return `map<${mapKey}, _>`;
  return repeated ? 'repeated' : 'singular';
}

/** A proto3 `optional` field sits in a synthetic oneof; on the wire it is a plain field, so it is not a oneof here. */
function oneofName(field: protobuf.Field): string | undefined {
  return field.partOf && !field.options?.['proto3_optional'] ? field.partOf.name : undefined;
}

function checkEnum(root: protobuf.Root, expected: ExpectedEnum, drift: string[]): void {
  const enumeration = lookup(root, expected.fullName);
  if (!(enumeration instanceof protobuf.Enum)) {
    drift.push(enumeration ? `${expected.fullName} is not an enum` : `missing enum ${expected.fullName}`);
    return;
  }
  for (const value of expected.values) {
    const actual = enumeration.values[value.name];
    const name = `${expected.fullName}.${value.name}`;
    if (actual === undefined) drift.push(`missing enum value ${name} = ${value.number}`);
    else if (actual !== value.number) drift.push(`enum value ${name}: number is ${actual}, the contract says ${value.number}`);
  }
}

function withoutLeadingDot(fullName: string): string {
  return fullName.replace(/^\./, '');
}
