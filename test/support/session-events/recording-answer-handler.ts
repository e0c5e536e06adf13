import type { ConnectAnswer, UpdateAnswer } from '../../../src/portal/event-reporter';
import { EventAnswerHandler } from '../../../src/session-events/event-answer.handler';
import type { ConnectEventBody, UpdateEventBody } from '../../../src/session-events/session-event';

/** Remembers every answer handed over; `throws` makes it fail like a buggy handler. */
export class RecordingAnswerHandler extends EventAnswerHandler {
  readonly connects: Array<{ body: ConnectEventBody; answer: ConnectAnswer }> = [];
  readonly updates: Array<{ body: UpdateEventBody; answer: UpdateAnswer }> = [];
  throws = false;

  connectAnswered(body: ConnectEventBody, answer: ConnectAnswer): void {
    this.connects.push({ body, answer });
    if (this.throws) throw new Error('handler bug');
  }

  updateAnswered(body: UpdateEventBody, answer: UpdateAnswer): void {
    this.updates.push({ body, answer });
    if (this.throws) throw new Error('handler bug');
  }
}
