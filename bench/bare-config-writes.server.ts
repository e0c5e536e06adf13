/*
 * The second control of bench/user-config.bench.ts, run as its own process like the agent:
 * a bare grpc-js server with the same proto and the same mTLS whose UpdateUserRoutes does
 * only a plain atomic write (temp file, fsync, rename, fsync of the directory) of the
 * routes, with no NestJS, no validation, no backups, no logging. Prints its port.
 *   node -r ts-node/register/transpile-only bench/bare-config-writes.server.ts <ca.crt> <server.crt> <server.key> <write-dir>
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_PROTO, PROTO_LOADER_OPTIONS } from '../src/grpc/proto-files.constant';

const [, , caFile = '', certFile = '', keyFile = '', writeDir = ''] = process.argv;

// The same plain atomic write as the other control.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { atomicWrite } = require('./bare-atomic-writes.js') as { atomicWrite: (dir: string, name: string, text: string) => Promise<number> };

async function main(): Promise<void> {
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync([AGENT_PROTO], PROTO_LOADER_OPTIONS)) as never as {
    agent: { v1: { VPNAgentService: { service: grpc.ServiceDefinition } } };
  };
  const server = new grpc.Server();
  server.addService(definition.agent.v1.VPNAgentService.service, {
    UpdateUserRoutes: (call: grpc.ServerUnaryCall<{ username: string; routes: string[] }, object>, callback: grpc.sendUnaryData<object>) => {
      const { username, routes } = call.request;
      atomicWrite(writeDir, username, routes.map((route) => `route = ${route}\n`).join('')).then(
        () => callback(null, { success: true, config_path: join(writeDir, username) }),
        (error: Error) => callback({ code: grpc.status.INTERNAL, details: error.message }),
      );
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(readFileSync(caFile), [{ cert_chain: readFileSync(certFile), private_key: readFileSync(keyFile) }], true);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  process.stdout.write(`${port}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
