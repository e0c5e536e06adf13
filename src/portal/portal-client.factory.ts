import { ChannelCredentials, Client, credentials, loadPackageDefinition, type ChannelOptions } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import type { PortalConfig } from '../config/agent-config.schema';
import { AUTH_PROTO, PROTO_LOADER_OPTIONS } from '../grpc/proto-files.constant';

type ClientConstructor = new (address: string, creds: ChannelCredentials, options?: ChannelOptions) => Client;

/**
 * A grpc-js client for the portal's vpn.v1.AuthService: mTLS with the agent's
 * portal client certificate unless `insecure`, and reconnect backoff from
 * config so a portal outage is not hammered by reconnect attempts.
 */
export function createPortalAuthClient(config: PortalConfig): Client {
  if (config.address === undefined) {
    throw new Error('portal.address is not set');
  }
  const definition = loadPackageDefinition(loadSync([AUTH_PROTO], PROTO_LOADER_OPTIONS));
  const vpn = definition['vpn'] as Record<string, Record<string, unknown>>;
  const AuthService = vpn['v1']?.['AuthService'] as ClientConstructor;
  const options: ChannelOptions = {
    'grpc.initial_reconnect_backoff_ms': config.reconnect_backoff_initial_ms,
    'grpc.max_reconnect_backoff_ms': config.reconnect_backoff_max_ms,
    'grpc.min_reconnect_backoff_ms': Math.min(config.reconnect_backoff_initial_ms, 1000),
    // One TLS handshake for the portal, not one per decision: PortalChannelKeeper connects at boot and
    // reconnects when the channel goes idle. Pings only while calls are out: pinging an idle connection
    // every 30 s gets a GOAWAY "too_many_pings" from gRPC servers' default enforcement (5 min).
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    ...(config.tls.server_name === undefined ? {} : { 'grpc.ssl_target_name_override': config.tls.server_name }),
  };
  return new AuthService(config.address, portalCredentials(config), options);
}

function portalCredentials(config: PortalConfig): ChannelCredentials {
  if (config.insecure) {
    return credentials.createInsecure();
  }
  const { tls } = config;
  return credentials.createSsl(readFileSync(tls.ca_file), readFileSync(tls.key_file), readFileSync(tls.cert_file));
}
