'use strict';
/*
 * The measuring side of bench/occtl.bench.ts, in plain JavaScript on purpose:
 * run with bare `node` (no ts-node, no TypeScript compiler in the heap) it is as
 * lean as a portal's client or an operator's shell. Both the raw occtl runs and
 * the GetActiveSessions calls are timed from here, so they pay the same
 * process-spawn and scheduling costs. Prints one JSON line of samples (ms).
 *   node occtl-measure.client.js '<json args>'
 */
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const args = JSON.parse(process.argv[2] || '{}');
const PROTO_ROOT = join(__dirname, '..', 'proto');

function elapsedMs(started) {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function rawOcctl(words) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(args.occtl, ['-s', args.socket, ...words], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(elapsedMs(started)) : reject(new Error(`occtl exited ${code}`))));
  });
}

function vpnClient() {
  const definition = protoLoader.loadSync('agent/v1/agent.proto', {
    keepCase: true, longs: Number, enums: String, defaults: true, arrays: true, objects: true, oneofs: true, includeDirs: [PROTO_ROOT],
  });
  const Service = grpc.loadPackageDefinition(definition).agent.v1.VPNAgentService;
  const credentials = grpc.credentials.createSsl(Buffer.from(args.pki.ca), Buffer.from(args.pki.key), Buffer.from(args.pki.cert));
  return new Service(`127.0.0.1:${args.port}`, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
}

function getActiveSessions(client) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    client.GetActiveSessions({ include_stats: true }, (error, response) => {
      if (error) return reject(error);
      if (response.total_count !== args.sessions) return reject(new Error(`got ${response.total_count} sessions, expected ${args.sessions}`));
      resolve(elapsedMs(started));
    }),
  );
}

async function times(count, action) {
  const samples = [];
  for (let i = 0; i < count; i += 1) samples.push(await action());
  return samples;
}

async function main() {
  const client = vpnClient();
  if (args.occtlRuns > 0) await times(20, () => rawOcctl(['-j', 'show', 'users']));
  await times(100, () => getActiveSessions(client));
  const result = {
    raw_show_users: await times(args.occtlRuns, () => rawOcctl(['-j', 'show', 'users'])),
    raw_show_status: await times(args.occtlRuns, () => rawOcctl(['-j', 'show', 'status'])),
    grpc_get_active_sessions: await times(args.grpcCalls, () => getActiveSessions(client)),
  };
  client.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
