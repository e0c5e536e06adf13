import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { formatConfigIssues, showValue } from '../config/config-issue.formatter';
import type { Policy, PolicyRule } from './policy';
import { POLICY_ENTRY_KEYS, POLICY_FILE_KEYS, PolicyFile, PolicyFileEntry, policyFileSchema } from './policy-file.schema';
import { policyDocumentProblems } from './policy-document.guard';
import { PolicyFileError } from './policy-file.error';
import { MAX_POLICY_FILE_BYTES, MAX_YAML_ALIAS_COUNT } from './policy-limits.constant';

const EXPECTED_ROOT = 'expected a mapping with default:, users: and/or groups:';

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
    throw new PolicyFileError(source, [`(top level): got ${Array.isArray(document) ? 'a list' : JSON.stringify(document)}, ${EXPECTED_ROOT}`]);
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
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new PolicyFileError(path, [`policy file: ${fileErrorReason(error)}, expected a readable YAML policy file`]);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new PolicyFileError(path, ['policy file: not a regular file, expected a YAML policy file']);
    }
    if (stat.size > MAX_POLICY_FILE_BYTES) {
      throw new PolicyFileError(path, [`policy file: ${stat.size} bytes, expected at most ${MAX_POLICY_FILE_BYTES}`]);
    }
    return readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof PolicyFileError) throw error;
    throw new PolicyFileError(path, [`policy file: ${fileErrorReason(error)}`]);
  } finally {
    closeSync(fd);
  }
}

function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES') return 'not readable (permission denied)';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? String(error);
}

function yamlToValue(text: string, source: string): unknown {
  // resolveKnownTags false: YAML 1.1 tags (!!binary, !!set, !!timestamp) would yield Buffers, Sets and Dates.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, resolveKnownTags: false });
  // Warnings (an unknown !tag, a collection used as a key) change what a value means; refuse them too.
  const problems = [...document.errors, ...document.warnings].map((issue) => `YAML: ${issue.message.split('\n')[0]}`);
  if (problems.length > 0) {
    throw new PolicyFileError(source, problems);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError for alias abuse; a RangeError would be nesting deep enough to exhaust the stack.
    const message = (error as Error).message;
    throw new PolicyFileError(source, [
      message.startsWith('Excessive alias count')
        ? `YAML: aliases (*name) expand to more than ${MAX_YAML_ALIAS_COUNT} nodes; give shared routes to a group instead`
        : `YAML: ${message}`,
    ]);
  }
}

/** `users:` with every entry commented out is YAML null: an operator means "none". */
function withoutNullSections(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== null));
}

/** The shared formatter, plus the keys an entry accepts (it only knows object keys, and entries sit in records). */
function formatPolicyIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'invalid_type' && (issue.expected === 'record' || issue.expected === 'object')) {
      const input = (issue as { input?: unknown }).input;
      const at = issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
      return [input === undefined ? `${at}: missing, expected a mapping` : `${at}: got ${showValue(input)}, expected a mapping`];
    }
    if (issue.code !== 'unrecognized_keys') {
      return formatConfigIssues([issue], policyFileSchema);
    }
    const known = issue.path.length === 0 ? POLICY_FILE_KEYS : POLICY_ENTRY_KEYS;
    const at = issue.path.map(String);
    return issue.keys.map((key) => `${[...at, key].join('.')}: unknown key (known keys here: ${known.join(', ')})`);
  });
}

function toPolicy(file: PolicyFile): Policy {
  return {
    defaultRule: toRule(file.default),
    users: new Map(Object.entries(file.users).map(([name, entry]) => [name, toRule(entry)])),
    groups: new Map(Object.entries(file.groups).map(([name, entry]) => [name, toRule(entry)])),
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
