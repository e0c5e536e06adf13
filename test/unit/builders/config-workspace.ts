import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The loader only checks for the PEM markers, so throwaway blocks stand in for real TLS material. */
export const DUMMY_CERTIFICATE_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQmR1bW15\n-----END CERTIFICATE-----\n';
export const DUMMY_PRIVATE_KEY_PEM = '-----BEGIN PRIVATE KEY-----\nTUlJRXZkdW1teQ==\n-----END PRIVATE KEY-----\n';

/** A throwaway directory holding a config file and the TLS files it names. */
export class ConfigWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-config-'));
  readonly certFile = this.file('server.crt', DUMMY_CERTIFICATE_PEM);
  readonly keyFile = this.file('server.key', DUMMY_PRIVATE_KEY_PEM);
  readonly caFile = this.file('ca.crt', DUMMY_CERTIFICATE_PEM);

  /** Writes `contents` to `name` in the workspace and returns its absolute path. */
  file(name: string, contents: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, contents);
    return path;
  }

  directory(name: string): string {
    const path = join(this.dir, name);
    mkdirSync(path);
    return path;
  }

  /** A `grpc.tls:` section naming this workspace's files, to prepend to a test's YAML. */
  tlsYaml(overrides: { cert_file?: string; key_file?: string; client_ca_file?: string } = {}): string {
    const tls = { cert_file: this.certFile, key_file: this.keyFile, client_ca_file: this.caFile, ...overrides };
    return [
      'grpc:',
      '  tls:',
      ...Object.entries(tls).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`),
    ].join('\n');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
