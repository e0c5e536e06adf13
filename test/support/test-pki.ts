import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Throwaway certificate authorities made with the real openssl CLI at test
 * time: nothing secret is committed, and every run proves the TLS setup from
 * scratch. EC P-256 keys keep generation fast (~10 ms each).
 */

export interface CertPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: Buffer;
  readonly server: CertPair;
  /** Client certificates signed by the trusted CA, by common name. */
  client(commonName: string, subjectAltNames?: readonly string[]): CertPair;
  /**
   * A client certificate with any subject, written as openssl's -subj
   * (`/CN=a/CN=b` gives two CNs), signed by the trusted CA.
   */
  clientWithSubject(subject: string, subjectAltNames?: readonly string[]): CertPair;
  /** A client certificate with this CN signed by an unrelated CA. */
  foreignClient(commonName: string): CertPair;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): { certFile: string; keyFile: string } {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  return { certFile, keyFile };
}

function issue(
  dir: string,
  ca: { certFile: string; keyFile: string },
  fileStem: string,
  subject: string,
  subjectAltNames: readonly string[],
  usage: 'serverAuth' | 'clientAuth',
): CertPair {
  const keyFile = join(dir, `${fileStem}.key`);
  const csrFile = join(dir, `${fileStem}.csr`);
  const certFile = join(dir, `${fileStem}.crt`);
  const extFile = join(dir, `${fileStem}.ext`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csrFile,
    '-subj', subject], dir);
  const extensions = [`extendedKeyUsage=${usage}`, 'basicConstraints=CA:FALSE'];
  if (subjectAltNames.length > 0) {
    extensions.push(`subjectAltName=${subjectAltNames.join(',')}`);
  }
  writeFileSync(extFile, `${extensions.join('\n')}\n`);
  openssl(['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile,
    '-days', '2', '-extfile', extFile], dir);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

export function createTestPki(dir: string): TestPki {
  const ca = makeCa(dir, 'test-ca');
  const foreignCa = makeCa(dir, 'foreign-ca');
  const server = issue(dir, ca, 'server', '/CN=ocserv-agent', ['IP:127.0.0.1', 'DNS:localhost'], 'serverAuth');
  const clients = new Map<string, CertPair>();
  let serial = 0;
  return {
    dir,
    caFile: ca.certFile,
    ca: readFileSync(ca.certFile),
    server,
    client(commonName, subjectAltNames = []) {
      const key = `${commonName}|${subjectAltNames.join(',')}`;
      let pair = clients.get(key);
      if (pair === undefined) {
        serial += 1;
        pair = issue(dir, ca, `client-${serial}`, `/CN=${commonName}`, subjectAltNames, 'clientAuth');
        clients.set(key, pair);
      }
      return pair;
    },
    clientWithSubject(subject, subjectAltNames = []) {
      serial += 1;
      return issue(dir, ca, `client-${serial}`, subject, subjectAltNames, 'clientAuth');
    },
    foreignClient(commonName) {
      serial += 1;
      return issue(dir, foreignCa, `foreign-${serial}`, `/CN=${commonName}`, [], 'clientAuth');
    },
  };
}
