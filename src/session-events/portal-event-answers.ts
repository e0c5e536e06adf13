import { Injectable, Logger } from '@nestjs/common';
import type { ConnectAnswer, UpdateAnswer } from '../portal/event-reporter';
import { SessionStore } from '../session/session-store.service';
import { SessionTerminator } from '../session/session-terminator';
import { PortalRoutesWriter } from '../vpn/portal-routes.writer';
import { EventAnswerHandler } from './event-answer.handler';
import type { ConnectEventBody, UpdateEventBody } from './session-event';

const NO_REASON_GIVEN = '(no reason given)';

/**
 * Acts on what the portal answered: ReportSessionUpdate's should_disconnect ends the session
 * (POLICY_VIOLATION, reported as such), ReportConnect's updated_routes go to the user's
 * per-user file (from the next login). Both are idempotent: an answer seen again after a
 * resend finds the session gone, or the file already as asked.
 */
@Injectable()
export class PortalEventAnswers extends EventAnswerHandler {
  private readonly logger = new Logger(PortalEventAnswers.name);

  constructor(
    private readonly terminator: SessionTerminator,
    private readonly routes: PortalRoutesWriter,
    private readonly store: SessionStore,
  ) {
    super();
  }

  connectAnswered(body: ConnectEventBody, answer: ConnectAnswer): void {
    if (answer.updatedRoutes.length === 0) return;
    void this.routes.recordRoutes(body.username, answer.updatedRoutes);
  }

  updateAnswered(body: UpdateEventBody, answer: UpdateAnswer): void {
    if (!answer.shouldDisconnect) return;
    // The session may have ended (or its id gone to another user) since the update was sent.
    if (this.store.get(body.sessionId)?.username !== body.username) return;
    const detail = `portal ReportSessionUpdate: ${answer.disconnectReason || NO_REASON_GIVEN}`;
    this.terminator.end({ sessionId: body.sessionId, username: body.username, reason: 'POLICY_VIOLATION', detail }).then(
      (ended) => this.logger.log({ msg: ended ? 'session ended at the portal\'s request' : 'session the portal asked to end was already gone', user: body.username, session: body.sessionId, detail }),
      (error: unknown) => this.logger.error({ msg: 'session the portal asked to end could not be ended', user: body.username, session: body.sessionId, error: String(error) }),
    );
  }
}
