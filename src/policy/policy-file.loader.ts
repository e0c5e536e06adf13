import { resolve } from 'node:path';
import { readBoundedTextFile } from '../config/bounded-file.reader';
import { showValue } from '../config/config-issue.formatter';
import type { Policy, PolicyRule } from './policy';
import { PolicyFile, PolicyFileEntry, policyFileSchema } from './policy-file.schema';
import { formatPolicyIssues } from './policy-issue.formatter';
import { policyDocumentProblems } from './policy-document.guard';
import { PolicyFileError } from './policy-file.error';
import { MAX_POLICY_FILE_BYTES } from './policy-limits.constant';
import { parsePolicyYamlText } from './policy-yaml.parser';

const EXPECTED_ROOT = 'expected a mapping with default:, users:, groups: and/or devices:';

/** Reads, parses and validates a policy file. Throws PolicyFileError naming the file and every problem found. */
export function loadPolicyFile(path: string): Policy {
  const absolutePath = resolve(path);
  return parsePolicyYaml(readPolicyText(absolutePath), absolutePath);
}

/** `source` names the text in error messages (a path, or e.g. "(inline policy)"). */
export function parsePolicyYaml(text: string, source: string): Policy {
  return parsePolicy(yamlToValue(text, source), source);
}

/** Validates an already-parsed document (a YAML/JSON value). */
export function parsePolicy(document: unknown, source: string): Policy {
  if (document === null || document === undefined) {
    throw new PolicyFileError(source, [`(top level): the policy is empty, ${EXPECTED_ROOT}`]);
  }
  if (typeof document !== 'object' || Array.isArray(document)) {
    const shown = Array.isArray(document) ? 'a list' : showValue(document);
    throw new PolicyFileError(source, [`(top level): got ${shown}, ${EXPECTED_ROOT}`]);
  }
  const documentProblems = policyDocumentProblems(document);
  if (documentProblems.length > 0) {
    throw new PolicyFileError(source, documentProblems);
  }
  const parsed = policyFileSchema.safeParse(withoutNullSections(document as Record<string, unknown>), { reportInput: true });
  if (!parsed.success) {
    throw new PolicyFileError(source, formatPolicyIssues(parsed.error.issues));
  }
  return toPolicy(parsed.data);
}

function readPolicyText(path: string): string {
  const file = readBoundedTextFile(path, MAX_POLICY_FILE_BYTES);
  if (!file.ok) {
    throw new PolicyFileError(path, [`policy file: ${file.reason}, expected a readable YAML policy file`]);
  }
  return file.text;
}

function yamlToValue(text: string, source: string): unknown {
  const result = parsePolicyYamlText(text);
  if (!result.ok) {
    throw new PolicyFileError(source, result.problems);
  }
  return result.value;
}

/** `users:` with every entry commented out is YAML null: an operator means "none". */
function withoutNullSections(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== null));
}

function toPolicy(file: PolicyFile): Policy {
  return {
    defaultRule: toRule(file.default),
    users: new Map(Object.entries(file.users).map(([name, entry]) => [name, toRule(entry)])),
    groups: new Map(Object.entries(file.groups).map(([name, entry]) => [name, toRule(entry)])),
    devices: new Map(Object.entries(file.devices).map(([name, entry]) => [name, toRule(entry)])),
  };
}

function toRule(entry: PolicyFileEntry): PolicyRule {
  return Object.freeze({
    allow: entry.allow,
    denyReason: entry.deny_reason,
    routes: Object.freeze([...entry.routes]),
    dnsServers: Object.freeze([...entry.dns_servers]),
  });
}
