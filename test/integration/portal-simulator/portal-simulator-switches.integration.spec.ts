import { status as GrpcStatus } from '@grpc/grpc-js';
import { SIMULATED_ERROR_MESSAGE } from '../../../src/portal-simulator/portal-protos.constant';
import { PortalSimulator } from '../../../src/portal-simulator/portal-simulator';
import { grpcErrorFrom, PortalClients, startPortalSimulator, TestPortal } from '../../support/portal-sim';

/** The failure switches, seen from a real client: what the agent's timeouts, breaker and fail modes will meet. */
describe(`${PortalSimulator.name} switches`, () => {
  let portal: TestPortal;
  let sut: PortalSimulator;
  let agent: PortalClients;

  beforeAll(async () => {
    portal = await startPortalSimulator();
    sut = portal.simulator;
  });

  afterAll(async () => {
    await portal.stop();
  });

  beforeEach(async () => {
    await sut.restart();
    sut.setLatencyMs(0);
    sut.setErrorRate(0);
    sut.setHang(false);
    sut.resetRecords();
    // A fresh channel per test: one that saw an outage sits in reconnect backoff for a while.
    agent = portal.clientAs('agent-1');
  });

  afterEach(() => {
    agent.close();
  });

  /** Polls `condition` until it holds or `timeoutMs` passes. */
  async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  describe('latency', () => {
    it('delays every answer by at least the set time', async () => {
      sut.setLatencyMs(200);
      const startedAt = performance.now();

      await expect(agent.checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: true });

      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(199);
    });

    it('drops the waiting call, timer included, when the client gives up', async () => {
      sut.setLatencyMs(10_000);

      const error = await grpcErrorFrom(agent.checkPolicy({ username: 'alice' }, 200));

      expect(error.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
      await eventually(() => sut.pendingCallCount === 0);
      expect(sut.callCount('CheckPolicy')).toBe(1);
    });
  });

  describe('error rate', () => {
    it('fails exactly half of 10 calls at 0.5, every second one, with UNAVAILABLE', async () => {
      sut.setErrorRate(0.5);
      const outcomes: string[] = [];

      for (let call = 1; call <= 10; call += 1) {
        outcomes.push(
          await agent.checkPolicy({ username: 'alice' }).then(
            () => 'ok',
            (error: { code: number; details: string }) => `${error.code}:${error.details}`,
          ),
        );
      }

      const failed = `${GrpcStatus.UNAVAILABLE}:${SIMULATED_ERROR_MESSAGE}`;
      expect(outcomes).toEqual(['ok', failed, 'ok', failed, 'ok', failed, 'ok', failed, 'ok', failed]);
    });

    it('counts failed calls as received', async () => {
      sut.setErrorRate(1);

      await grpcErrorFrom(agent.checkPolicy({ username: 'alice' }));
      await grpcErrorFrom(agent.checkPolicy({ username: 'bob' }));

      expect(sut.calls.map((call) => call.simulatedError)).toEqual([true, true]);
      expect(sut.callCount('CheckPolicy')).toBe(2);
    });

    it('fails one call in ten at 0.1, exactly', async () => {
      sut.setErrorRate(0.1);
      let failures = 0;

      for (let call = 1; call <= 20; call += 1) {
        await agent.checkPolicy({ username: 'alice' }).catch(() => (failures += 1));
      }

      expect(failures).toBe(2);
    });
  });

  describe('hang', () => {
    it('leaves the call unanswered until the client deadline, then holds nothing', async () => {
      sut.setHang(true);

      const error = await grpcErrorFrom(agent.checkPolicy({ username: 'alice' }, 300));

      expect(error.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
      expect(sut.callCount('CheckPolicy')).toBe(1);
      await eventually(() => sut.pendingCallCount === 0);
    });

    it('answers every held call when the switch is cleared', async () => {
      sut.setHang(true);
      const held = [agent.checkPolicy({ username: 'alice' }), agent.checkPolicy({ username: 'bob' })];
      await eventually(() => sut.pendingCallCount === 2);

      sut.setHang(false);

      await expect(Promise.all(held)).resolves.toEqual([
        expect.objectContaining({ allowed: true }),
        expect.objectContaining({ allowed: false }),
      ]);
      expect(sut.pendingCallCount).toBe(0);
    });
  });

  describe('outage and restart', () => {
    it('refuses connections during an outage: UNAVAILABLE, and nothing is received', async () => {
      await agent.checkPolicy({ username: 'alice' });

      await sut.outage();
      const error = await grpcErrorFrom(agent.checkPolicy({ username: 'alice' }, 3000));

      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(sut.callCount('CheckPolicy')).toBe(1);
      expect(sut.state.outage).toBe(true);
    });

    it('cuts off calls held by hang when the outage starts', async () => {
      sut.setHang(true);
      const held = agent.checkPolicy({ username: 'alice' }, 5000);
      await eventually(() => sut.pendingCallCount === 1);

      await sut.outage();

      expect((await grpcErrorFrom(held)).code).toBe(GrpcStatus.UNAVAILABLE);
      expect(sut.pendingCallCount).toBe(0);
    });

    it('answers again on the same port after restart, keeping records and switches', async () => {
      const port = sut.port;
      sut.setLatencyMs(50);
      await agent.checkPolicy({ username: 'alice' });
      await sut.outage();

      await sut.restart();

      expect(sut.port).toBe(port);
      const fresh = portal.clientAs('agent-2');
      const startedAt = performance.now();
      await expect(fresh.checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: true });
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(49);
      expect(sut.calls.map((call) => call.callerCn)).toEqual(['agent-1', 'agent-2']);
      expect(sut.state.outage).toBe(false);
    });

    it('lets a client that saw the outage reconnect', async () => {
      await sut.outage();
      await grpcErrorFrom(agent.checkPolicy({ username: 'alice' }, 3000));

      await sut.restart();

      await new Promise<void>((resolve, reject) =>
        agent.auth.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve())),
      );
      await expect(agent.checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: true });
    });

    it('treats a second outage or restart as a no-op', async () => {
      await sut.outage();
      await sut.outage();
      await sut.restart();
      await sut.restart();

      await expect(portal.clientAs('agent-3').checkPolicy({ username: 'alice' })).resolves.toMatchObject({ allowed: true });
    });
  });

  it('refuses switch values out of range', () => {
    expect(() => sut.setErrorRate(1.5)).toThrow(RangeError);
    expect(() => sut.setLatencyMs(-1)).toThrow(RangeError);
    expect(() => sut.setLatencyMs(1.5)).toThrow(RangeError);
  });
});
