import { ChannelCredentials, Client, credentials, loadPackageDefinition, type ChannelOptions } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import type { PortalConfig } from '../config/agent-config.schema';
import { AUTH_PROTO, EVENTS_PROTO, PROTO_LOADER_OPTIONS } from '../grpc/proto-files.constant';

type ClientConstructor = new (address: string, creds: ChannelCredentials, options?: ChannelOptions) => Client;

/** The portal's services the agent calls, with the .proto file (under PROTO_ROOT) that defines each. */
export const PORTAL_SERVICES = {
  'vpn.v1.AuthService': AUTH_PROTO,
  'vpn.v1.EventService': EVENTS_PROTO,
} as const;

export type PortalServiceName = keyof typeof PORTAL_SERVICES;

/**
 * A grpc-js client for one of the portal's services, every one with the same connection
 * settings: mTLS with the agent's portal client certificate unless `insecure`, and
 * reconnect backoff from config so a portal outage is not hammered by reconnect attempts.
 */
export function createPortalClient(config: PortalConfig, service: PortalServiceName): Client {
  if (config.address === undefined) {
    throw new Error('portal.address is not set');
  }
  const definition = loadPackageDefinition(loadSync([PORTAL_SERVICES[service]], PROTO_LOADER_OPTIONS));
  const [pkg, version, name] = service.split('.') as [string, string, string];
  const Service = (definition[pkg] as Record<string, Record<string, unknown>>)[version]?.[name] as ClientConstructor;
  return new Service(config.address, portalCredentials(config), portalChannelOptions(config));
}

/** vpn.v1.AuthService (CheckPolicy, ValidateSession). */
export function createPortalAuthClient(config: PortalConfig): Client {
  return createPortalClient(config, 'vpn.v1.AuthService');
}

/** vpn.v1.EventService (ReportConnect, ReportDisconnect, ReportSessionUpdate). */
export function createPortalEventClient(config: PortalConfig): Client {
  return createPortalClient(config, 'vpn.v1.EventService');
}

function portalChannelOptions(config: PortalConfig): ChannelOptions {
  return {
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
}

function portalCredentials(config: PortalConfig): ChannelCredentials {
  if (config.insecure) {
    return credentials.createInsecure();
  }
  const { tls } = config;
  return credentials.createSsl(readFileSync(tls.ca_file), readFileSync(tls.key_file), readFileSync(tls.cert_file));
}
