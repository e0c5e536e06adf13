import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import { applyChanges } from '../user-config/config-edits';
import { listValues } from '../user-config/option-input';
import { UserConfigService } from '../user-config/user-config.service';
import type { ConnectDecision } from './vpn-notices';

/**
 * Routes and DNS from the portal's CheckPolicy answer -> the user's config-per-user file,
 * when they differ from what it holds (user_config.apply_portal_routes). ocserv ignores a
 * connect-script's answer for routes: it reads the file when the session opens, which is
 * BEFORE the connect-script runs, so a change written here applies from the user's next
 * login (or cookie reconnect), never the one being decided; the log line says so. Empty
 * lists mean the portal does not manage that part for this user: the file keeps its own.
 * Never delays or changes the decision: it runs after it, and a failure is only logged.
 */
@Injectable()
export class PortalRoutesWriter {
  private readonly logger = new Logger(PortalRoutesWriter.name);
  private readonly enabled: boolean;

  constructor(
    private readonly configs: UserConfigService,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.enabled = config.get('user_config', { infer: true }).apply_portal_routes;
  }

  /** Starts the write and returns at once; the returned promise (for tests) never rejects. */
  record(username: string, decision: ConnectDecision): Promise<void> {
    if (!this.enabled || !decision.allowed || decision.source !== 'portal') return Promise.resolve();
    const routes = decision.routes;
    const dns = decision.dnsServers;
    if (routes.length === 0 && dns.length === 0) return Promise.resolve();
    return this.write(username, routes, dns);
  }

  /**
   * Routes from a ReportConnect answer's updated_routes (validated networks; DNS untouched),
   * under the same rules as record(): from the user's next login, a failure only logged.
   */
  recordRoutes(username: string, routes: readonly string[]): Promise<void> {
    if (!this.enabled || routes.length === 0) return Promise.resolve();
    return this.write(username, routes, []);
  }

  private async write(username: string, routes: readonly string[], dns: readonly string[]): Promise<void> {
    try {
      const changes = new Map<string, string[]>();
      if (routes.length > 0) changes.set('route', listValues('route', routes, 'portal routes'));
      if (dns.length > 0) changes.set('dns', listValues('dns', dns, 'portal dns_servers'));
      const outcome = await this.configs.edit('user', username, (current) => applyChanges(current, changes));
      if (outcome.changed) {
        this.logger.log({
          msg: "portal routes written to the user's ocserv file; they apply from the user's next login (ocserv read the file before this one was decided)",
          user: username,
          path: outcome.path,
          change: outcome.change,
        });
      }
    } catch (error) {
      this.logger.warn({
        msg: "portal routes not written to the user's ocserv file; the file keeps what it had",
        user: username,
        reason: error instanceof AgentError ? error.message : String(error),
      });
    }
  }
}
