import { parseYamlText, YamlParseResult } from '../config/yaml-text.parser';
import { MAX_YAML_ALIAS_COUNT } from './policy-limits.constant';

/** A policy file's YAML to a plain value, or the problems (config/yaml-text.parser.ts says how strict). */
export function parsePolicyYamlText(text: string): YamlParseResult {
  return parseYamlText(text, { maxAliasCount: MAX_YAML_ALIAS_COUNT, aliasAdvice: 'give shared routes to a group instead' });
}
