import { Module } from '@nestjs/common';
import { PortalModule } from '../portal/portal.module';
import { EventAnswerHandler } from './event-answer.handler';
import { EventDeliverer } from './event-deliverer';
import { LoggingEventAnswerHandler } from './logging-event-answer.handler';
import { SessionEventsMetrics } from './session-events-metrics';

/**
 * Session events to the portal: the deliverer, its metrics and what handles the portal's
 * answers. EventOutbox (the SQLite store) is provided next to these by the outbox's own
 * change; the producer calls EventDeliverer.notify() after each record*().
 *
 * Shutdown order: this module imports PortalModule, so Nest runs this module's
 * onApplicationShutdown (the deliverer's drain) before the EventService client closes;
 * the outbox must close after the drain too (its delivered() commit is the drain's last step).
 */
@Module({
  imports: [PortalModule],
  providers: [EventDeliverer, SessionEventsMetrics, { provide: EventAnswerHandler, useClass: LoggingEventAnswerHandler }],
  exports: [EventDeliverer],
})
export class SessionEventsModule {}
