import { Logger } from '@nestjs/common';
import type { ConnectAnswer, UpdateAnswer } from '../../../src/portal/event-reporter';
import { PortalEventAnswers } from '../../../src/session-events/portal-event-answers';
import { SessionStore } from '../../../src/session/session-store.service';
import type { PortalRoutesWriter } from '../../../src/vpn/portal-routes.writer';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeClock } from '../builders/fake-clock';
import { FakeSessionTerminator } from '../builders/fake-session-terminator';
import { aConnectBody, anUpdateBody } from '../builders/session-event.builder';
import { aNewVpnSession } from '../builders/vpn-session.builder';

/** PortalRoutesWriter as the answers see it: remembers what it was asked to write. */
class RecordingRoutesWriter {
  readonly written: Array<{ username: string; routes: readonly string[] }> = [];

  recordRoutes(username: string, routes: readonly string[]): Promise<void> {
    this.written.push({ username, routes });
    return Promise.resolve();
  }
}

function aConnectAnswer(overrides: Partial<ConnectAnswer> = {}): ConnectAnswer {
  return { success: true, message: '', updatedRoutes: [], ...overrides };
}

function anUpdateAnswer(overrides: Partial<UpdateAnswer> = {}): UpdateAnswer {
  return { success: true, shouldDisconnect: false, disconnectReason: '', ...overrides };
}

const disconnectAsked = (disconnectReason: string): UpdateAnswer => anUpdateAnswer({ shouldDisconnect: true, disconnectReason });

/** Lets the terminator's answer reach the handler's callbacks. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(PortalEventAnswers.name, () => {
  let terminator: FakeSessionTerminator;
  let routes: RecordingRoutesWriter;
  let store: SessionStore;
  let sut: PortalEventAnswers;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    terminator = new FakeSessionTerminator();
    routes = new RecordingRoutesWriter();
    store = new SessionStore(new FakeClock(), configServiceFor(anAgentConfig()));
    store.add(aNewVpnSession({ sessionId: 'sess-alice-1', username: 'alice' }));
    sut = new PortalEventAnswers(terminator, routes as unknown as PortalRoutesWriter, store);
  });

  afterEach(() => jest.restoreAllMocks());

  describe('updateAnswered', () => {
    it("ends the session as a policy violation, quoting the portal's reason", () => {
      sut.updateAnswered(anUpdateBody(), disconnectAsked('quota exceeded'));

      expect(terminator.orders).toEqual([
        { sessionId: 'sess-alice-1', username: 'alice', reason: 'POLICY_VIOLATION', detail: 'portal ReportSessionUpdate: quota exceeded' },
      ]);
    });

    it('says the portal gave no reason when it gave none', () => {
      sut.updateAnswered(anUpdateBody(), disconnectAsked(''));

      expect(terminator.orders.map((order) => order.detail)).toEqual(['portal ReportSessionUpdate: (no reason given)']);
    });

    it('leaves the session alone when the portal does not ask to end it', () => {
      sut.updateAnswered(anUpdateBody(), anUpdateAnswer({ disconnectReason: 'ignored without should_disconnect' }));

      expect(terminator.orders).toEqual([]);
    });

    it('does nothing for a session gone from the store since the update was sent', () => {
      store.remove('sess-alice-1');

      sut.updateAnswered(anUpdateBody(), disconnectAsked('quota exceeded'));

      expect(terminator.orders).toEqual([]);
    });

    it('does nothing when the session id now belongs to another user', () => {
      store.remove('sess-alice-1');
      store.add(aNewVpnSession({ sessionId: 'sess-alice-1', username: 'bob' }));

      sut.updateAnswered(anUpdateBody({ username: 'alice' }), disconnectAsked('quota exceeded'));

      expect(terminator.orders).toEqual([]);
    });

    it('logs a terminator that fails, and never throws', async () => {
      const error = jest.spyOn(Logger.prototype, 'error');
      terminator.fails(new Error('occtl: connection refused'));

      expect(() => sut.updateAnswered(anUpdateBody(), disconnectAsked('quota exceeded'))).not.toThrow();
      await settled();

      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({ user: 'alice', session: 'sess-alice-1', error: 'Error: occtl: connection refused' }),
      );
    });

    it('logs that the session was already gone when ocserv no longer had it', async () => {
      const log = jest.spyOn(Logger.prototype, 'log');
      terminator.findsSessionsGone();

      sut.updateAnswered(anUpdateBody(), disconnectAsked('quota exceeded'));
      await settled();

      expect(log).toHaveBeenCalledWith(expect.objectContaining({ msg: expect.stringContaining('already gone'), session: 'sess-alice-1' }));
    });
  });

  describe('connectAnswered', () => {
    it("hands the portal's updated routes to the routes writer for the user", () => {
      sut.connectAnswered(aConnectBody({ username: 'alice' }), aConnectAnswer({ updatedRoutes: ['10.30.0.0/16', '10.40.0.0/16'] }));

      expect(routes.written).toEqual([{ username: 'alice', routes: ['10.30.0.0/16', '10.40.0.0/16'] }]);
    });

    it('writes nothing when the portal sent no routes', () => {
      sut.connectAnswered(aConnectBody(), aConnectAnswer({ updatedRoutes: [] }));

      expect(routes.written).toEqual([]);
    });
  });
});
