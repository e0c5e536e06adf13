import { join } from 'node:path';

/** proto/ at the repository (or image) root: two levels up from src/grpc and from dist/grpc. */
export const PROTO_ROOT = join(__dirname, '..', '..', 'proto');

export const AGENT_PROTO = 'agent/v1/agent.proto';
export const HEALTH_PROTO = 'grpc/health/v1/health.proto';
/** The portal's side of the contract: the agent is a client of these (the simulator serves them). */
export const AUTH_PROTO = 'vpn/v1/auth.proto';
export const EVENTS_PROTO = 'vpn/v1/events.proto';
/** vpn.v1.ConfigService: in the portal's package, but served by the agent (it owns the files). */
export const CONFIG_PROTO = 'vpn/v1/config.proto';

/** Proto files the agent serves, and their packages. */
export const SERVED_PROTOS = [AGENT_PROTO, HEALTH_PROTO, CONFIG_PROTO] as const;
export const SERVED_PACKAGES = ['agent.v1', 'grpc.health.v1', 'vpn.v1'] as const;

/**
 * proto-loader options shared by the server and every client the project builds
 * (tests, bench, demo). keepCase: protobufjs and ts-proto camelCase names such as
 * `load_average_1m` differently, so both sides keep proto field names.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};
