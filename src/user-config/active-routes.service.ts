import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import type { OcctlUser } from '../occtl/occtl-records';
import { OcctlService } from '../occtl/occtl.service';
import { assertUsername } from '../validation/vpn-identifiers';
import { ConfigFileSystem } from './config-file.adapter';
import { normalizeOptionValue } from './ocserv-option.validator';
import { UserConfigService } from './user-config.service';

/** Where a route of a live session comes from, as far as the files say now. */
export type RouteOrigin = 'user-config' | 'group-config' | 'default' | 'dynamic';

export interface ActiveRoute {
  readonly cidr: string;
  readonly origin: RouteOrigin;
  /** True when the live session has it; false for a route the files add that the session does not have yet (it applies at the next login). */
  readonly active: boolean;
  readonly sessionId: string;
  /** The file the route was found in, when one. */
  readonly file: string;
}

export interface ActiveRoutes {
  readonly found: boolean;
  readonly routes: readonly ActiveRoute[];
  readonly dnsServers: readonly string[];
}

/** ocserv.conf is read for its `route =` lines only; a larger file is not a config ocserv would load either. */
const MAIN_CONFIG_MAX_BYTES = 4 * 1024 * 1024;
const ROUTE_LINE = /^\s*route\s*=\s*(.*?)\s*$/;

/**
 * GetActiveRoutes: the routes a live session really has (occtl show user), each
 * attributed to the user's file, the group's file or ocserv.conf by what those files
 * say now. A route in none of them was set when the session started and has since
 * left the files: "dynamic". Routes the files hold that the session lacks are listed
 * inactive: they apply when the user next logs in (ocserv reads the files at session open).
 */
@Injectable()
export class ActiveRoutesService {
  private readonly mainConfigPath: string;

  constructor(
    private readonly occtl: OcctlService,
    private readonly userConfig: UserConfigService,
    private readonly files: ConfigFileSystem,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.mainConfigPath = config.get('main_config', { infer: true }).path;
  }

  async of(username: string, sessionId: string): Promise<ActiveRoutes> {
    assertUsername(username);
    const sessions = (await this.occtl.showUser(username)).filter((user) => sessionId === '' || matchesSession(user, sessionId));
    const session = sessions[0];
    if (session === undefined) return { found: false, routes: [], dnsServers: [] };
    const user = await this.userConfig.read('user', username);
    const group = session.groupname === '' ? undefined : await this.userConfig.read('group', session.groupname).catch(() => undefined);
    const userRoutes = user.document.options.get('route') ?? [];
    const groupRoutes = group?.document.options.get('route') ?? [];
    const defaults = await this.mainConfigRoutes();
    const id = String(session.id);
    const live = session.routes.map(canonicalRoute);
    const routes: ActiveRoute[] = live.map((cidr) => {
      if (userRoutes.includes(cidr)) return { cidr, origin: 'user-config', active: true, sessionId: id, file: user.path };
      if (groupRoutes.includes(cidr)) return { cidr, origin: 'group-config', active: true, sessionId: id, file: group?.path ?? '' };
      if (defaults === undefined || defaults.includes(cidr)) return { cidr, origin: 'default', active: true, sessionId: id, file: defaults === undefined ? '' : this.mainConfigPath };
      return { cidr, origin: 'dynamic', active: true, sessionId: id, file: '' };
    });
    for (const cidr of userRoutes.filter((route) => !live.includes(route))) routes.push({ cidr, origin: 'user-config', active: false, sessionId: id, file: user.path });
    for (const cidr of groupRoutes.filter((route) => !live.includes(route) && !userRoutes.includes(route))) {
      routes.push({ cidr, origin: 'group-config', active: false, sessionId: id, file: group?.path ?? '' });
    }
    return { found: true, routes, dnsServers: session.dns };
  }

  /** ocserv.conf's routes, canonical; undefined when it cannot be read (then a route in no per-name file counts as default). */
  private async mainConfigRoutes(): Promise<string[] | undefined> {
    let bytes: Buffer | undefined;
    try {
      bytes = await this.files.readNoFollow(this.mainConfigPath, MAIN_CONFIG_MAX_BYTES);
    } catch {
      return undefined;
    }
    if (bytes === undefined) return undefined;
    return bytes
      .toString('utf8')
      .split('\n')
      .map((line) => ROUTE_LINE.exec(line)?.[1])
      .filter((value): value is string => value !== undefined && value !== '')
      .map(canonicalRoute);
  }
}

function matchesSession(user: OcctlUser, sessionId: string): boolean {
  return String(user.id) === sessionId || user.session === sessionId || user.fullSession === sessionId;
}

/** occtl may print a route as address/netmask; compare in the model's canonical form, or as printed when it is not one. */
function canonicalRoute(route: string): string {
  try {
    return normalizeOptionValue('route', route, 'route');
  } catch {
    return route;
  }
}
