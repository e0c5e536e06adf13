#!/usr/bin/env node
// Talks to the demo agent the way the portal would: over mTLS with a client
// certificate, calling a few RPCs and printing what comes back.
'use strict';

const { join } = require('node:path');
const { readFileSync } = require('node:fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { SERVED_PROTOS, PROTO_LOADER_OPTIONS } = require('../dist/grpc/proto-files.constant');

const [, , address, tlsDir, live] = process.argv;
const definition = grpc.loadPackageDefinition(protoLoader.loadSync([...SERVED_PROTOS], PROTO_LOADER_OPTIONS));
const file = (name) => readFileSync(join(tlsDir, name));

function clientAs(commonName) {
  const creds = grpc.credentials.createSsl(file('ca.crt'), file(`${commonName}.key`), file(`${commonName}.crt`));
  const options = { 'grpc.ssl_target_name_override': 'localhost' };
  return {
    vpn: new definition.agent.v1.VPNAgentService(address, creds, options),
    agent: new definition.agent.v1.AgentService(address, creds, options),
    health: new definition.grpc.health.v1.Health(address, creds, options),
    config: new definition.vpn.v1.ConfigService(address, creds, options),
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
  show('HealthCheck tier 3: agent, ocserv, config dirs (as monitoring.example.com)', await call(monitoring.agent, 'HealthCheck', { tier: 3 }));
  if (live === '1') {
    // The store fills from ocserv at start and from its event stream; give it a moment.
    let sessions;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      sessions = await call(monitoring.vpn, 'GetActiveSessions', { include_stats: true });
      if (sessions.total_count > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    show('GetActiveSessions: the live openconnect sessions, from ocserv (as monitoring.example.com)', sessions);
    const status = await call(portal.agent, 'ExecuteCommand', { request_id: 'demo-cmd-1', command_type: 'occtl', args: ['show', 'status'] });
    const brief = ({ Status, 'Server PID': pid, 'Up since': upSince, 'Active sessions': active }) => ({ Status, 'Server PID': pid, 'Up since': upSince, 'Active sessions': active });
    show('ExecuteCommand occtl show status (as portal.example.com, role admin; stdout is JSON, a few of its keys shown)', {
      ...status,
      stdout: status.stdout === undefined ? undefined : JSON.parse(status.stdout).map(brief),
    });
    show('ExecuteCommand occtl stop now (not on ocserv.allowed_commands)', await call(portal.agent, 'ExecuteCommand', {
      command_type: 'occtl', args: ['stop', 'now'],
    }));
    show('ExecuteCommand with a hostile argument', await call(portal.agent, 'ExecuteCommand', {
      command_type: 'occtl', args: ['show', 'user', 'alice;reboot'],
    }));
    // Her login wrote the portal's routes into her per-user file (user_config.apply_portal_routes): they apply from her next login.
    show('GetUserConfig alice (as monitoring.example.com): her file holds the routes and DNS of the portal\'s answer', await call(monitoring.config, 'GetUserConfig', { username: 'alice' }));
    show('UpdateUserRoutes alice (as portal.example.com): one more route, her live session keeps its routes', await call(portal.vpn, 'UpdateUserRoutes', {
      username: 'alice', routes: ['10.10.0.0/16', '10.20.0.0/16'], dns_servers: ['10.10.0.53'], config_params: { 'split-dns': 'corp.example' }, reload_if_connected: false,
    }));
    show('GetActiveRoutes alice: what her live session has, and what her file adds at her next login (active: false)', await call(monitoring.config, 'GetActiveRoutes', { username: 'alice' }));
    show('UpdateUserRoutes with a hostile value (a newline that would add a route)', await call(portal.vpn, 'UpdateUserRoutes', {
      username: 'alice', routes: ['10.0.0.0/8\nroute = 0.0.0.0/0'],
    }));
    show('DisconnectUser alice (ocserv ends her session and her openconnect exits; the agent also drops her cached decisions)', await call(portal.vpn, 'DisconnectUser', {
      username: 'alice', reason: 'demo', disconnect_all_sessions: true,
    }));
  }
  // NotifyConnect is decided like the hook's connects: the portal's CheckPolicy (behind the cache and the fail mode).
  show(
    'NotifyConnect alice (as portal.example.com, role admin): the portal allows, with the policy\'s routes and DNS',
    await call(portal.vpn, 'NotifyConnect', {
      username: 'alice', client_ip: '198.51.100.7', vpn_ip: '10.10.0.2', session_id: 'demo-1', device_id: 'vpns0',
      metadata: { user_agent: 'OpenConnect demo' },
    }),
  );
  show(
    'NotifyConnect dave: not in the policy, the portal denies',
    await call(portal.vpn, 'NotifyConnect', { username: 'dave', client_ip: '198.51.100.9', session_id: 'demo-4' }),
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
    client.agent.close();
    client.health.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
