import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import { ConnectionAuthorizer } from './connection-authorizer';
import type { ConnectDecision } from './vpn-notices';

/** `authorization.mode: static`: the same configured answer for every connection. */
@Injectable()
export class StaticConnectionAuthorizer extends ConnectionAuthorizer {
  private readonly decision: ConnectDecision;

  constructor(config: ConfigService<AgentConfig, true>) {
    super();
    const configured = config.get('authorization', { infer: true }).static;
    this.decision = Object.freeze({
      allowed: configured.allowed,
      source: 'static',
      shouldDisconnect: false,
      denyReason: configured.allowed ? '' : configured.deny_reason,
      routes: configured.allowed ? [...configured.routes] : [],
      dnsServers: configured.allowed ? [...configured.dns_servers] : [],
      configParams: {},
    });
  }

  decide(): Promise<ConnectDecision> {
    return Promise.resolve(this.decision);
  }
}
