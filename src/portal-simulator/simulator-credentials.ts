import { ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';

/** PEM files for the simulator's TLS: its certificate and key, and the CA that signs the agents' client certificates. */
export interface SimulatorTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export type SimulatorTls = SimulatorTlsFiles | 'insecure';

/** mTLS like the real portal: a client without a certificate from `caFile` fails the handshake. */
export function simulatorCredentials(tls: SimulatorTls): ServerCredentials {
  if (tls === 'insecure') {
    return ServerCredentials.createInsecure();
  }
  const requireClientCertificate = true;
  return ServerCredentials.createSsl(
    readPem(tls.caFile, 'caFile'),
    [{ cert_chain: readPem(tls.certFile, 'certFile'), private_key: readPem(tls.keyFile, 'keyFile') }],
    requireClientCertificate,
  );
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`portal simulator tls.${what} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
