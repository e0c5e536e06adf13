import { isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { showValue } from './config-issue.formatter';

/**
 * YAML text an operator wrote (the agent config, a policy file) to a plain value,
 * or the list of problems. Stricter than yaml's defaults, and every failure is a
 * problem, never a throw, so a bad file ends as "invalid configuration", exit 2:
 * - YAML 1.1 tags (!!binary, !!set, !!timestamp) are not resolved (they would
 *   yield Buffers, Sets and Dates), and every warning is a problem;
 * - a key repeated in one mapping is a problem. yaml's own uniqueKeys check is
 *   quadratic (measured: 163 s for 100,000 policy users, 33 s for a 700 KB
 *   config mapping), so keys are checked here with one Set per mapping;
 * - alias expansion is capped (`maxAliasCount`). yaml throws for it, and for an
 *   alias without an anchor before it, only when the document is turned into JS.
 */
export type YamlParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: string[] };

export interface YamlParseLimits {
  /** yaml's maxAliasCount: uses of an anchor times the aliases nested inside it. */
  readonly maxAliasCount: number;
  /** Appended to the alias problem: what to write instead. */
  readonly aliasAdvice: string;
}

/** yaml's messages quote names from the file (tags, anchors); past this they are cut. */
const YAML_MESSAGE_MAX_CHARS = 200;

export function parseYamlText(text: string, limits: YamlParseLimits): YamlParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: false, resolveKnownTags: false, prettyErrors: true, lineCounter });
  const problems = [...document.errors, ...document.warnings].map((issue) => yamlProblem(issue.message));
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  const duplicates = duplicateKeyProblems(document, lineCounter);
  if (duplicates.length > 0) {
    return { ok: false, problems: duplicates };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: limits.maxAliasCount }) };
  } catch (error) {
    // A ReferenceError for alias abuse or a dangling alias; a RangeError would be nesting deep enough to exhaust the stack.
    const message = (error as Error).message;
    return {
      ok: false,
      problems: [
        message.startsWith('Excessive alias count')
          ? `YAML: aliases (*name) expand to more than ${limits.maxAliasCount} nodes; ${limits.aliasAdvice}`
          : yamlProblem(message),
      ],
    };
  }
}

function yamlProblem(message: string): string {
  const firstLine = message.split('\n')[0] ?? '';
  return `YAML: ${firstLine.length > YAML_MESSAGE_MAX_CHARS ? `${firstLine.slice(0, YAML_MESSAGE_MAX_CHARS)}…` : firstLine}`;
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
          problems.push(`YAML: key ${showValue(key)} appears twice in one mapping (again at line ${line}, column ${col})`);
        }
        seen.add(key);
      }
    },
  });
  return problems;
}
