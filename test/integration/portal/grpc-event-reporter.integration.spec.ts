import { SystemClock } from '../../../src/clock/clock';
import { agentConfigSchema } from '../../../src/config/agent-config.schema';
import { GrpcEventReporter } from '../../../src/portal/grpc-event-reporter';
import { createPortalEventClient } from '../../../src/portal/portal-client.factory';
import { PortalFailure, PortalFailureKind } from '../../../src/portal/portal-failure';
import { agentPortalTls, startPortalSimulator, type TestPortal } from '../../support/portal-sim';
import { aConnectBody, aDisconnectBody, anUpdateBody, aStoredEvent } from '../../unit/builders/session-event.builder';

const TIMEOUT_MS = 2_000;

async function failureOf(promise: Promise<unknown>): Promise<PortalFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PortalFailure) return error;
    throw error;
  }
  throw new Error('expected a PortalFailure, but the call succeeded');
}

/** After an outage grpc-js fails calls at once until its reconnect backoff has passed: wait for an answer. */
async function reconnected(reporter: GrpcEventReporter): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await reporter.report(aStoredEvent(aConnectBody({ sessionId: 'probe' })), TIMEOUT_MS);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe(GrpcEventReporter.name, () => {
  let portal: TestPortal;
  let sut: GrpcEventReporter;

  beforeAll(async () => {
    portal = await startPortalSimulator();
    const config = agentConfigSchema.parse({
      agent: { id: 'reporter-test' },
      grpc: { insecure: true },
      portal: { address: portal.simulator.address, tls: agentPortalTls(portal.pki), reconnect_backoff_initial_ms: 100, reconnect_backoff_max_ms: 500 },
      events: { enabled: true },
    });
    sut = new GrpcEventReporter(createPortalEventClient(config.portal), new SystemClock());
    sut.onModuleInit();
  });

  afterAll(async () => {
    sut.onApplicationShutdown();
    await portal.stop();
  });

  beforeEach(async () => {
    portal.simulator.setHang(false);
    await portal.simulator.restart();
    await reconnected(sut);
    portal.simulator.resetRecords();
  });

  it('sends each kind to its RPC with event_id in the metadata and returns the answer of that kind', async () => {
    const connect = await sut.report(aStoredEvent(aConnectBody(), { eventId: 'ev-c' }), TIMEOUT_MS);
    const update = await sut.report(aStoredEvent(anUpdateBody({ username: 'bob' }), { eventId: 'ev-u' }), TIMEOUT_MS);
    const disconnect = await sut.report(aStoredEvent(aDisconnectBody(), { eventId: 'ev-d' }), TIMEOUT_MS);

    expect([connect, update, disconnect]).toEqual([
      { kind: 'connect', answer: { success: true, message: 'recorded', updatedRoutes: [] } },
      { kind: 'update', answer: { success: true, shouldDisconnect: true, disconnectReason: 'account suspended' } },
      { kind: 'disconnect', answer: { success: true, message: 'recorded' } },
    ]);
    expect(portal.simulator.events.map((record) => [record.method, (record.request['metadata'] as Record<string, string>)['event_id']])).toEqual([
      ['ReportConnect', 'ev-c'],
      ['ReportSessionUpdate', 'ev-u'],
      ['ReportDisconnect', 'ev-d'],
    ]);
  });

  it('rejects as Unreachable while the portal is down', async () => {
    await portal.simulator.outage();

    const failure = await failureOf(sut.report(aStoredEvent(aConnectBody()), TIMEOUT_MS));

    expect(failure.kind).toBe(PortalFailureKind.Unreachable);
    expect(failure.message).toMatch(/^portal ReportConnect failed: UNAVAILABLE: /);
  });

  it('rejects as TimedOut when the portal does not answer within the deadline', async () => {
    portal.simulator.setHang(true);

    const failure = await failureOf(sut.report(aStoredEvent(anUpdateBody()), 300));

    expect(failure.kind).toBe(PortalFailureKind.TimedOut);
    expect(failure.message).toMatch(/^portal ReportSessionUpdate failed: DEADLINE_EXCEEDED/);
  });

  it('rejects the error-rate switch\'s UNAVAILABLE as Unreachable, after the portal recorded the call', async () => {
    portal.simulator.setErrorRate(1);
    try {
      const failure = await failureOf(sut.report(aStoredEvent(aDisconnectBody()), TIMEOUT_MS));

      expect(failure.kind).toBe(PortalFailureKind.Unreachable);
      expect(portal.simulator.events).toHaveLength(1);
    } finally {
      portal.simulator.setErrorRate(0);
    }
  });
});
