import { Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { SessionLifecycle } from '../session/session-lifecycle';
import { SessionStore } from '../session/session-store.service';
import { EventDeliverer } from './event-deliverer';
import { EventOutbox } from './outbox/event-outbox';
import { SessionEventProducer } from './session-event.producer';
import { SessionUsageJob } from './session-usage.job';

/**
 * Connects the parts when events.enabled: the producer listens to the session lifecycle and
 * wakes the deliverer after each record; the usage job runs; at shutdown the outbox closes
 * after the deliverer's drain (its last commit), so nothing delivered is sent again needlessly.
 */
@Injectable()
export class SessionEventsWiring implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly enabled: boolean;
  private readonly usage: SessionUsageJob;

  constructor(
    private readonly lifecycle: SessionLifecycle,
    private readonly producer: SessionEventProducer,
    private readonly deliverer: EventDeliverer,
    private readonly outbox: EventOutbox,
    store: SessionStore,
    clock: Clock,
    config: ConfigService<AgentConfig, true>,
  ) {
    const events = config.get('events', { infer: true });
    this.enabled = events.enabled;
    this.usage = new SessionUsageJob(store, producer, clock, events.update_interval_seconds * 1000);
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.producer.onRecorded(() => this.deliverer.notify());
    this.lifecycle.listen(this.producer);
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.usage.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.usage.stop();
    await this.deliverer.stop();
    this.outbox.close();
  }
}
