#!/usr/bin/env node
// Talks to the demo agent the way the portal would: over mTLS with a client
// certificate, calling a few RPCs and printing what comes back.
'use strict';

const { join } = require('node:path');
const { readFileSync } = require('node:fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { AGENT_PROTO, HEALTH_PROTO, PROTO_LOADER_OPTIONS } = require('../dist/grpc/proto-files.constant');

const [, , address, tlsDir] = process.argv;
const definition = grpc.loadPackageDefinition(protoLoader.loadSync([AGENT_PROTO, HEALTH_PROTO], PROTO_LOADER_OPTIONS));
const file = (name) => readFileSync(join(tlsDir, name));

function clientAs(commonName) {
  const creds = grpc.credentials.createSsl(file('ca.crt'), file(`${commonName}.key`), file(`${commonName}.crt`));
  const options = { 'grpc.ssl_target_name_override': 'localhost' };
  return {
    vpn: new definition.agent.v1.VPNAgentService(address, creds, options),
    health: new definition.grpc.health.v1.Health(address, creds, options),
  };
}

function call(client, method, request) {
  return new Promise((resolve) =>
    client[method](request, { deadline: Date.now() + 5000 }, (error, response) =>
      resolve(error ? { error: `${grpc.status[error.code]}: ${error.details}` } : response),
    ),
  );
}

async function main() {
  const portal = clientAs('portal.example.com');
  const monitoring = clientAs('monitoring.example.com');
  const show = (title, value) => console.log(`\n# ${title}\n${JSON.stringify(value, null, 2)}`);

  show('grpc.health.v1 Check (as portal.example.com)', await call(portal.health, 'Check', { service: '' }));
  show(
    'NotifyConnect alice (as portal.example.com, role admin)',
    await call(portal.vpn, 'NotifyConnect', {
      username: 'alice', client_ip: '198.51.100.7', vpn_ip: '10.10.0.2', session_id: 'demo-1', device_id: 'vpns0',
      metadata: { user_agent: 'OpenConnect demo' },
    }),
  );
  show('GetActiveSessions (as monitoring.example.com, role reader)', await call(monitoring.vpn, 'GetActiveSessions', { include_stats: true }));
  show('NotifyConnect (as monitoring.example.com: a reader may not)', await call(monitoring.vpn, 'NotifyConnect', {
    username: 'bob', client_ip: '198.51.100.8', session_id: 'demo-2',
  }));
  show('NotifyConnect with a hostile username', await call(portal.vpn, 'NotifyConnect', {
    username: 'alice;reboot', client_ip: '198.51.100.7', session_id: 'demo-3',
  }));
  show('NotifyDisconnect alice', await call(portal.vpn, 'NotifyDisconnect', { username: 'alice', session_id: 'demo-1' }));
  for (const client of [portal, monitoring]) {
    client.vpn.close();
    client.health.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
