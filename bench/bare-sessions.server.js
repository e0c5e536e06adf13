'use strict';
/*
 * The control for bench/occtl.bench.ts: a bare grpc-js server (no NestJS, no
 * guard, no logging) in its own plain-node process, serving GetActiveSessions
 * from a JSON file holding the very response the agent gave, over the same
 * mTLS. What it measures is the floor this machine, Node and grpc-js set for one
 * TLS round trip; the agent's latency is read against it. Prints its port.
 *   node bare-sessions.server.js <tls-dir-json> <response.json>
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const tls = JSON.parse(process.argv[2]);
const response = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const definition = protoLoader.loadSync('agent/v1/agent.proto', {
  keepCase: true, longs: Number, enums: String, defaults: true, arrays: true, objects: true, oneofs: true,
  includeDirs: [join(__dirname, '..', 'proto')],
});
const service = grpc.loadPackageDefinition(definition).agent.v1.VPNAgentService.service;
const server = new grpc.Server();
server.addService(service, { GetActiveSessions: (_call, callback) => callback(null, response) });
const credentials = grpc.ServerCredentials.createSsl(
  readFileSync(tls.ca),
  [{ cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) }],
  true,
);
server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
