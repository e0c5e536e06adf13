import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../grpc/proto-files.constant';
import { AUTH_SERVICE, EVENT_SERVICE, PORTAL_PROTO_FILES } from './portal-protos.constant';

export interface PortalServiceDefinitions {
  readonly auth: ServiceDefinition;
  readonly events: ServiceDefinition;
}

let cached: PortalServiceDefinitions | undefined;

/** vpn.v1 AuthService and EventService from the .proto files, with the loader options every side of the project uses. */
export function portalServiceDefinitions(): PortalServiceDefinitions {
  if (cached === undefined) {
    const root = loadPackageDefinition(loadSync([...PORTAL_PROTO_FILES], PROTO_LOADER_OPTIONS));
    cached = { auth: serviceAt(root, AUTH_SERVICE), events: serviceAt(root, EVENT_SERVICE) };
  }
  return cached;
}

function serviceAt(root: object, dottedName: string): ServiceDefinition {
  let node: unknown = root;
  for (const part of dottedName.split('.')) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  const service = (node as { service?: ServiceDefinition } | undefined)?.service;
  if (service === undefined) {
    throw new Error(`${dottedName} is not in ${PORTAL_PROTO_FILES.join(', ')}`);
  }
  return service;
}
