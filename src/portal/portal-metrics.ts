import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';
import type { PortalChannelState } from './portal-channel.keeper';

const CHANNEL_STATE_VALUE: Record<PortalChannelState, number> = { idle: 0, connecting: 1, ready: 2, transient_failure: 3, shutdown: 4 };

/** The portal connection itself. */
@Injectable()
export class PortalMetrics {
  private readonly channel: Gauge;
  private readonly eventChannel: Gauge;

  constructor(registry: MetricsRegistry) {
    this.channel = new Gauge({
      name: 'ocserv_agent_portal_channel_state',
      help: 'Portal gRPC channel: 0 idle, 1 connecting, 2 ready, 3 transient failure, 4 shut down.',
      registers: [registry],
    });
    // A gauge of its own rather than a label on the one above: that one is read unlabelled (dashboards, tests).
    this.eventChannel = new Gauge({
      name: 'ocserv_agent_portal_event_channel_state',
      help: 'Portal EventService gRPC channel (events.enabled): 0 idle, 1 connecting, 2 ready, 3 transient failure, 4 shut down.',
      registers: [registry],
    });
  }

  /** The AuthService channel (CheckPolicy). */
  channelState(state: PortalChannelState): void {
    this.channel.set(CHANNEL_STATE_VALUE[state]);
  }

  eventChannelState(state: PortalChannelState): void {
    this.eventChannel.set(CHANNEL_STATE_VALUE[state]);
  }
}
