import type { ConnectAnswer, UpdateAnswer } from '../portal/event-reporter';
import type { ConnectEventBody, UpdateEventBody } from './session-event';

/**
 * What the portal said back about a delivered event, handed on by the EventDeliverer once
 * the answer arrived (before the outbox commit: a crash in between resends the event, so a
 * handler sees an answer again and must be idempotent). Called in the deliverer's turn: a
 * handler must not block, and what it throws is logged, never the delivery's failure.
 * Disconnect answers carry nothing to act on and are not handed on.
 */
export abstract class EventAnswerHandler {
  /** updatedRoutes: routes the portal wants the user to have (validated IP networks; empty when none or invalid). */
  abstract connectAnswered(body: ConnectEventBody, answer: ConnectAnswer): void;
  /** shouldDisconnect: the portal wants this session ended (disconnectReason says why). */
  abstract updateAnswered(body: UpdateEventBody, answer: UpdateAnswer): void;
}
