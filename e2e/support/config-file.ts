import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { deepMerge, testAgentRawConfig } from '../../test/support/test-agent-config';
import type { TestPki } from '../../test/support/test-pki';

/** Writes the test agent's config as YAML for an agent process; `extra` is merged in. */
export function writeAgentConfig(pki: TestPki, name: string, extra: Record<string, unknown> = {}): string {
  const path = join(pki.dir, `${name}.yaml`);
  const config = deepMerge(testAgentRawConfig(pki, 'e2e-agent'), { log: { level: 'info' }, ...extra });
  writeFileSync(path, stringify(config));
  return path;
}

/** Writes raw YAML text (for configs the schema must refuse). */
export function writeRawConfig(pki: TestPki, name: string, yamlText: string): string {
  const path = join(pki.dir, `${name}.yaml`);
  writeFileSync(path, yamlText);
  return path;
}
