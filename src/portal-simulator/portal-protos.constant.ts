import { AUTH_PROTO, EVENTS_PROTO } from '../grpc/proto-files.constant';

/** The portal-side services the simulator serves, relative to PROTO_ROOT. */
export const PORTAL_PROTO_FILES = [AUTH_PROTO, EVENTS_PROTO] as const;

export const AUTH_SERVICE = 'vpn.v1.AuthService';
export const EVENT_SERVICE = 'vpn.v1.EventService';

export const AUTH_METHODS = ['CheckPolicy', 'ValidateSession'] as const;
export const EVENT_METHODS = ['ReportConnect', 'ReportDisconnect', 'ReportSessionUpdate'] as const;

export type AuthMethod = (typeof AUTH_METHODS)[number];
export type EventMethod = (typeof EVENT_METHODS)[number];
export type PortalMethod = AuthMethod | EventMethod;

/** What a call failed by setErrorRate is told (gRPC UNAVAILABLE). */
export const SIMULATED_ERROR_MESSAGE = 'simulated portal error';
