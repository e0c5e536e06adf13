import { join } from 'node:path';

/** proto/ at the repository (or image) root: two levels up from src/grpc and from dist/grpc. */
export const PROTO_ROOT = join(__dirname, '..', '..', 'proto');

export const AGENT_PROTO = 'agent/v1/agent.proto';
export const HEALTH_PROTO = 'grpc/health/v1/health.proto';
/** The portal's side of the contract: the agent is a client of these (the simulator serves them). */
export const AUTH_PROTO = 'vpn/v1/auth.proto';
export const EVENTS_PROTO = 'vpn/v1/events.proto';

/** Packages the agent serves. vpn.v1 ConfigService joins when its issue lands. */
export const SERVED_PACKAGES = ['agent.v1', 'grpc.health.v1'] as const;

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
