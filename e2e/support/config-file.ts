import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TEST_IDENTITIES } from '../../test/support/test-agent-config';
import type { TestPki } from '../../test/support/test-pki';

/** Writes a YAML config for an agent process using the test PKI; `extra` is merged at the top level. */
export function writeAgentConfig(pki: TestPki, name: string, extra: Record<string, unknown> = {}): string {
  const path = join(pki.dir, `${name}.yaml`);
  const config = {
    agent: { id: 'e2e-agent' },
    grpc: {
      listen: '127.0.0.1:0',
      tls: { cert_file: pki.server.certFile, key_file: pki.server.keyFile, client_ca_file: pki.caFile },
      access: {
        identities: {
          [TEST_IDENTITIES.admin]: 'admin',
          [TEST_IDENTITIES.operator]: 'operator',
          [TEST_IDENTITIES.reader]: 'reader',
        },
      },
    },
    http: { listen: '127.0.0.1:0' },
    authorization: { static: { allowed: true } },
    ...extra,
  };
  writeFileSync(path, stringify(config));
  return path;
}

/** Writes raw YAML text (for configs the schema must refuse). */
export function writeRawConfig(pki: TestPki, name: string, yamlText: string): string {
  const path = join(pki.dir, `${name}.yaml`);
  writeFileSync(path, yamlText);
  return path;
}
