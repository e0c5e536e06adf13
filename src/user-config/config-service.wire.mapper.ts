import { AgentError } from '../errors/agent-error';
import type {
  GetActiveRoutesResponse,
  GroupConfig,
  RouteInfo,
  SyncRoutesRequest,
  UserConfig,
} from '../generated/vpn/v1/config';
import { ConfigType, RouteSource } from '../generated/vpn/v1/config';
import { msToTimestamp } from '../grpc/timestamp.mapper';
import type { ActiveRoute, ActiveRoutes, RouteOrigin } from './active-routes.service';
import type { ConfigScope } from './config-scope';
import { listValues, mapChanges, mapValueOf } from './option-input';
import { normalizeOptionValue } from './ocserv-option.validator';
import type { StoredConfig } from './user-config.service';

/*
 * vpn.v1.ConfigService's UserConfig/GroupConfig <-> the option model. The named fields
 * are five model keys; every other key travels in custom_settings (repeatable keys as a
 * comma-separated list), so any file the model reads round-trips through the wire.
 */

/** The model keys that have a field of their own on the wire. */
const NAMED_KEYS = ['route', 'dns', 'split-dns', 'max-same-clients', 'restrict-user-to-routes'] as const;

type WireConfig = Omit<UserConfig, 'username'>;

export function toWireConfig(stored: StoredConfig): WireConfig {
  const options = stored.document.options;
  const custom: Record<string, string> = {};
  for (const [key, values] of options) {
    if (!(NAMED_KEYS as readonly string[]).includes(key)) custom[key] = mapValueOf(values);
  }
  return {
    routes: [...(options.get('route') ?? [])],
    dns_servers: [...(options.get('dns') ?? [])],
    split_dns_domains: [...(options.get('split-dns') ?? [])],
    max_same_clients: Number(options.get('max-same-clients')?.[0] ?? 0),
    restrict_user_to_routes: options.get('restrict-user-to-routes')?.[0] === 'true',
    custom_settings: custom,
    updated_at: stored.modifiedAtMs === undefined ? undefined : msToTimestamp(stored.modifiedAtMs),
  };
}

export function toWireUserConfig(stored: StoredConfig): UserConfig {
  return { username: stored.name, ...toWireConfig(stored) };
}

export function toWireGroupConfig(stored: StoredConfig): GroupConfig {
  return { groupname: stored.name, ...toWireConfig(stored) };
}

/**
 * The whole model a UserConfig/GroupConfig describes (UpdateUserConfig replaces the file's
 * options with it; comments and lines the model does not know stay). 0 / false mean "not set".
 */
export function optionsFromWire(config: WireConfig): Map<string, string[]> {
  const options = mapChanges(config.custom_settings ?? {}, 'config.custom_settings', NAMED_KEYS);
  options.set('route', listValues('route', config.routes ?? [], 'config.routes'));
  options.set('dns', listValues('dns', config.dns_servers ?? [], 'config.dns_servers'));
  options.set('split-dns', listValues('split-dns', config.split_dns_domains ?? [], 'config.split_dns_domains'));
  const maxSame = config.max_same_clients ?? 0;
  options.set('max-same-clients', maxSame === 0 ? [] : [normalizeOptionValue('max-same-clients', String(maxSame), 'config.max_same_clients')]);
  options.set('restrict-user-to-routes', config.restrict_user_to_routes === true ? ['true'] : []);
  return options;
}

export function scopeOfSync(request: SyncRoutesRequest): ConfigScope {
  switch (request.config_type) {
    case ConfigType.CONFIG_TYPE_USER:
      return 'user';
    case ConfigType.CONFIG_TYPE_GROUP:
      return 'group';
    default:
      throw AgentError.invalidArgument('config_type must be CONFIG_TYPE_USER or CONFIG_TYPE_GROUP');
  }
}

const SOURCE_OF: Readonly<Record<RouteOrigin, RouteSource>> = {
  'user-config': RouteSource.ROUTE_SOURCE_USER_CONFIG,
  'group-config': RouteSource.ROUTE_SOURCE_GROUP_CONFIG,
  default: RouteSource.ROUTE_SOURCE_DEFAULT,
  dynamic: RouteSource.ROUTE_SOURCE_DYNAMIC,
};

export function toGetActiveRoutesResponse(routes: ActiveRoutes): GetActiveRoutesResponse {
  return {
    found: routes.found,
    routes: routes.routes.map(toRouteInfo),
    dns_servers: [...routes.dnsServers],
    error_message: routes.found ? '' : 'no live session of this user (or with this session_id)',
  };
}

function toRouteInfo(route: ActiveRoute): RouteInfo {
  return {
    cidr: route.cidr,
    source: SOURCE_OF[route.origin],
    active: route.active,
    metadata: { session_id: route.sessionId, ...(route.file !== '' ? { file: route.file } : {}) },
  };
}
