import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OCSERV_OPTIONS, OCSERV_OPTION_VERSIONS } from '../../../src/user-config/ocserv-option.catalog';

/* docs/user-config-options.md is the operator's copy of the catalog: every key and version note is on it. */
describe('docs/user-config-options.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'user-config-options.md'), 'utf8');

  it.each(OCSERV_OPTIONS.map((spec) => spec.key))('lists %s', (key) => {
    expect(doc).toContain(`| \`${key}\``);
  });

  it.each(OCSERV_OPTION_VERSIONS.map((entry) => entry.version))('has the version note for %s', (version) => {
    expect(doc).toContain(`| ${version} |`);
  });
});
