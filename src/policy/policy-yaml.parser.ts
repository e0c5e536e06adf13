import { isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { MAX_YAML_ALIAS_COUNT } from './policy-limits.constant';

/**
 * YAML text to a plain value, or the list of problems. Stricter than yaml's
 * defaults, because a policy grants network access:
 * - YAML 1.1 tags (!!binary, !!set, !!timestamp) are not resolved (they would
 *   yield Buffers, Sets and Dates), and every warning is a problem;
 * - a key repeated in one mapping is a problem. yaml's own uniqueKeys check is
 *   quadratic (measured: 163 s for 100,000 users), so keys are checked here
 *   with one Set per mapping;
 * - alias expansion is capped (MAX_YAML_ALIAS_COUNT).
 */
export type YamlParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: string[] };

export function parsePolicyYamlText(text: string): YamlParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: false, resolveKnownTags: false, prettyErrors: true, lineCounter });
  const problems = [...document.errors, ...document.warnings].map((issue) => `YAML: ${issue.message.split('\n')[0]}`);
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  const duplicates = duplicateKeyProblems(document, lineCounter);
  if (duplicates.length > 0) {
    return { ok: false, problems: duplicates };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) };
  } catch (error) {
    // yaml throws a ReferenceError for alias abuse; a RangeError would be nesting deep enough to exhaust the stack.
    const message = (error as Error).message;
    return {
      ok: false,
      problems: [
        message.startsWith('Excessive alias count')
          ? `YAML: aliases (*name) expand to more than ${MAX_YAML_ALIAS_COUNT} nodes; give shared routes to a group instead`
          : `YAML: ${message}`,
      ],
    };
  }
}

function duplicateKeyProblems(document: ReturnType<typeof parseDocument>, lineCounter: LineCounter): string[] {
  const problems: string[] = [];
  visit(document, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        // Collection keys already raised a warning; only scalar keys name users, groups and settings.
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          const { line, col } = lineCounter.linePos(pair.key.range?.[0] ?? 0);
          problems.push(`YAML: key ${JSON.stringify(key)} appears twice in one mapping (again at line ${line}, column ${col})`);
        }
        seen.add(key);
      }
    },
  });
  return problems;
}
