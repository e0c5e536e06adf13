import { Injectable, Logger } from '@nestjs/common';
import type { ConnectAnswer, UpdateAnswer } from '../portal/event-reporter';
import { EventAnswerHandler } from './event-answer.handler';
import type { ConnectEventBody, UpdateEventBody } from './session-event';

/**
 * The default EventAnswerHandler until something acts on the answers (routes written back,
 * sessions ended): it only logs the answers that asked for something, so an operator sees
 * what the portal wanted and that nothing did it.
 */
@Injectable()
export class LoggingEventAnswerHandler extends EventAnswerHandler {
  private readonly logger = new Logger(LoggingEventAnswerHandler.name);

  connectAnswered(body: ConnectEventBody, answer: ConnectAnswer): void {
    if (answer.updatedRoutes.length === 0) return;
    this.logger.log({
      msg: 'portal answered ReportConnect with routes; nothing applies them',
      username: body.username,
      session_id: body.sessionId,
      routes: answer.updatedRoutes.length,
    });
  }

  updateAnswered(body: UpdateEventBody, answer: UpdateAnswer): void {
    if (!answer.shouldDisconnect) return;
    this.logger.warn({
      msg: 'portal asked to disconnect the session in its ReportSessionUpdate answer; nothing acts on it',
      username: body.username,
      session_id: body.sessionId,
      reason: answer.disconnectReason,
    });
  }
}
