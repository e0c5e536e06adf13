import { z } from 'zod';
import { formatConfigIssues, showName, showValue } from '../config/config-issue.formatter';
import { POLICY_ENTRY_KEYS, POLICY_FILE_KEYS, policyFileSchema } from './policy-file.schema';

/*
 * zod issues to one line each, `key.path: got X, expected Y`, through the config
 * formatter. Two additions: the known keys of an entry (the config formatter only
 * finds keys of objects, and entries sit in records), and "a mapping" where zod
 * would say "record" or "object".
 */
export function formatPolicyIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'invalid_type' && (issue.expected === 'record' || issue.expected === 'object')) {
      const input = (issue as { input?: unknown }).input;
      const at = issue.path.length === 0 ? '(top level)' : issue.path.map((segment) => showName(String(segment))).join('.');
      return [input === undefined ? `${at}: missing, expected a mapping` : `${at}: got ${showValue(input)}, expected a mapping`];
    }
    if (issue.code !== 'unrecognized_keys') {
      return formatConfigIssues([issue], policyFileSchema);
    }
    const known = issue.path.length === 0 ? POLICY_FILE_KEYS : POLICY_ENTRY_KEYS;
    const at = issue.path.map((segment) => showName(String(segment)));
    return issue.keys.map((key) => `${[...at, showName(key)].join('.')}: unknown key (known keys here: ${known.join(', ')})`);
  });
}

