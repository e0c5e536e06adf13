/*
 * Checks a parsed YAML value before zod sees it. zod's record silently drops a
 * `__proto__` key (prototype-pollution safety), which would turn a listed user
 * into an unlisted one without a word; and only plain data (mappings, lists,
 * scalars) has a meaning in a policy.
 */

/** A policy is at most root > section > name > entry > list > item; anything far deeper is not a policy. */
const MAX_DOCUMENT_DEPTH = 16;

export function policyDocumentProblems(value: unknown): string[] {
  const problems: string[] = [];
  walk(value, [], problems);
  return problems;
}

function walk(value: unknown, path: readonly string[], problems: string[]): void {
  if (value === null || typeof value !== 'object') {
    return;
  }
  const at = path.length === 0 ? '(top level)' : path.join('.');
  if (path.length > MAX_DOCUMENT_DEPTH) {
    problems.push(`${at}: nested more than ${MAX_DOCUMENT_DEPTH} levels deep, expected a policy`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, [...path, String(index)], problems));
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    problems.push(`${at}: got a ${value.constructor?.name ?? 'non-plain'} value, expected a mapping, list or scalar`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__') {
      problems.push(`${[...path, key].join('.')}: reserved name, not allowed`);
      continue;
    }
    walk(item, [...path, key], problems);
  }
}
