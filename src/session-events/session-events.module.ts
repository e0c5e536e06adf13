import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { PortalModule } from '../portal/portal.module';
import { OcservSessionSync } from '../session/ocserv-session-sync.service';
import { SessionModule } from '../session/session.module';
import { VpnModule } from '../vpn/vpn.module';
import { EventAnswerHandler } from './event-answer.handler';
import { EventDeliverer } from './event-deliverer';
import { DisabledEventOutbox } from './outbox/disabled-event-outbox';
import { EventOutbox } from './outbox/event-outbox';
import { SqliteEventOutbox } from './outbox/sqlite-event-outbox';
import { PortalEventAnswers } from './portal-event-answers';
import { SessionEventProducer } from './session-event.producer';
import { SessionEventsMetrics } from './session-events-metrics';
import { SessionEventsWiring } from './session-events.wiring';

/**
 * Session events to the portal (docs/events.md): session lifecycle -> producer -> durable
 * outbox (SQLite) -> deliverer -> EventService, and the portal's answers acted on. With
 * events.enabled false no file is opened and nothing listens.
 *
 * Shutdown order: this module imports PortalModule, so Nest runs this module's
 * onApplicationShutdown (the deliverer's drain, then the outbox's close) before the
 * EventService client closes.
 */
@Module({
  imports: [SessionModule, PortalModule, VpnModule],
  providers: [
    {
      provide: EventOutbox,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AgentConfig, true>): EventOutbox => {
        const events = config.get('events', { infer: true });
        return events.enabled ? SqliteEventOutbox.fromConfig(events) : new DisabledEventOutbox();
      },
    },
    {
      provide: SessionEventProducer,
      inject: [EventOutbox, Clock, ConfigService, OcservSessionSync, SessionEventsMetrics],
      useFactory: (
        outbox: EventOutbox,
        clock: Clock,
        config: ConfigService<AgentConfig, true>,
        sync: OcservSessionSync,
        metrics: SessionEventsMetrics,
      ) =>
        new SessionEventProducer(
          outbox,
          clock,
          { settleMs: config.get('events', { infer: true }).disconnect_settle_ms },
          () => sync.sameOcservAnswers(),
          (kind) => metrics.recordFailed(kind),
        ),
    },
    EventDeliverer,
    SessionEventsMetrics,
    { provide: EventAnswerHandler, useClass: PortalEventAnswers },
    SessionEventsWiring,
  ],
  exports: [EventDeliverer],
})
export class SessionEventsModule {}
