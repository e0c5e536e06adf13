import type { Client } from '@grpc/grpc-js';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig, PortalConfig } from '../config/agent-config.schema';
import { PortalChannelKeeper } from './portal-channel.keeper';
import { createPortalAuthClient } from './portal-client.factory';
import { PortalMetrics } from './portal-metrics';

interface OpenConnection {
  readonly client: Client;
  readonly keeper: PortalChannelKeeper;
}

/**
 * The agent's one vpn.v1.AuthService client: CheckPolicy and ValidateSession share its
 * channel (one TLS connection, one keeper, one reconnect backoff). Created on first use,
 * so a mode that never asks the portal needs no portal certificates; kept connected from
 * module init on (PortalChannelKeeper says why) and closed at module destroy.
 */
@Injectable()
export class PortalAuthConnection implements OnModuleInit, OnModuleDestroy {
  private readonly portal: PortalConfig;
  private opened: OpenConnection | undefined;
  private initialized = false;
  private closed = false;

  constructor(
    config: ConfigService<AgentConfig, true>,
    private readonly metrics: PortalMetrics,
  ) {
    this.portal = config.get('portal', { infer: true });
  }

  get client(): Client {
    if (this.closed) {
      throw new Error('the portal AuthService connection is closed');
    }
    this.opened ??= this.open();
    return this.opened.client;
  }

  onModuleInit(): void {
    this.initialized = true;
    this.opened?.keeper.start();
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.opened?.keeper.stop();
    this.opened?.client.close();
  }

  private open(): OpenConnection {
    const client = createPortalAuthClient(this.portal);
    const keeper = new PortalChannelKeeper(client.getChannel(), (state) => this.metrics.channelState(state));
    // Providers ask for the client while Nest builds them, before init; a later first use starts at once.
    if (this.initialized) keeper.start();
    return { client, keeper };
  }
}
