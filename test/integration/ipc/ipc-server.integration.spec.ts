import { Logger } from '@nestjs/common';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { of } from 'rxjs';
import type { IpcConfig } from '../../../src/config/agent-config.schema';
import { AgentError } from '../../../src/errors/agent-error';
import { IpcMetrics } from '../../../src/ipc/ipc-metrics';
import { IpcServer } from '../../../src/ipc/ipc.server';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { FakeClock } from '../../unit/builders/fake-clock';
import { askOnce, HookSocketClient } from './hook-socket-client';
import { validEnv } from './ipc-test-support';

/** The transport alone, with handlers registered by hand: what it does when a handler misbehaves. */
describe(IpcServer.name, () => {
  let dir: string;
  let config: IpcConfig;
  let registry: MetricsRegistry;
  let sut: IpcServer;

  const requestsTotal = async (labels: Record<string, string>): Promise<number> => {
    const { values } = await registry.getSingleMetric('ocserv_agent_ipc_requests_total')!.get();
    return values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label))?.value ?? 0;
  };

  const start = async (decisionTimeoutMs = 2000): Promise<void> => {
    registry = new MetricsRegistry();
    sut = new IpcServer({ config, decisionTimeoutMs, metrics: new IpcMetrics(registry), clock: new FakeClock() });
    await new Promise<void>((resolve, reject) => sut.listen((error) => (error ? reject(error) : resolve())));
  };

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-ipc-server-'));
    config = {
      enabled: true,
      socket_path: join(dir, 'hook.sock'),
      socket_group: '',
      max_request_bytes: 65536,
      request_timeout_ms: 2000,
      max_connections: 64,
    };
  });

  afterEach(async () => {
    await sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers deny when a connect handler has not answered by budget + 1 s (fail closed)', async () => {
    await start();
    sut.addHandler('connect', () => new Promise(() => undefined));
    const startedMs = Date.now();

    const reply = await askOnce(config.socket_path, { op: 'connect', budget_ms: 200, env: validEnv() });

    expect(reply).toEqual({ allowed: false, error: 'the agent did not finish connect within 1200 ms; denied (fail closed)' });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(1150);
    expect(await requestsTotal({ op: 'connect', outcome: 'timeout' })).toBe(1);
  });

  it('bounds a request without budget_ms by decision_timeout_ms + 1 s', async () => {
    await start(300);
    sut.addHandler('disconnect', () => new Promise(() => undefined));

    const reply = await askOnce(config.socket_path, { op: 'disconnect', env: validEnv() });

    expect(reply).toEqual({ ok: false, error: 'the agent did not finish disconnect within 1300 ms; denied (fail closed)' });
  });

  it('turns a newcomer away with a refusal line when every slot has a request being decided', async () => {
    config = { ...config, max_connections: 2 };
    await start();
    let release: () => void = () => undefined;
    const decided = new Promise<void>((resolve) => (release = resolve));
    sut.addHandler('connect', async () => {
      await decided;
      return { allowed: true, source: 'static' };
    });
    const busy = [askOnce(config.socket_path, { op: 'connect', env: validEnv({ ID: '1' }) }), askOnce(config.socket_path, { op: 'connect', env: validEnv({ ID: '2' }) })];
    await new Promise((resolve) => setTimeout(resolve, 200));

    const turnedAway = await askOnce(config.socket_path, { op: 'connect', env: validEnv({ ID: '3' }) });
    release();

    expect(turnedAway).toEqual({ allowed: false, error: 'refused: 2 connections are open, each with a request being decided (ipc.max_connections)' });
    expect(await Promise.all(busy)).toEqual([
      { allowed: true, source: 'static' },
      { allowed: true, source: 'static' },
    ]);
  });

  it('answers an unexpected error with a reference, not its message', async () => {
    await start();
    sut.addHandler('connect', () => Promise.reject(new TypeError('secret internals')));

    const reply = await askOnce(config.socket_path, { op: 'connect', env: validEnv() });

    expect(reply).toEqual({ allowed: false, error: expect.stringMatching(/^internal error in the agent \(reference [0-9a-f]{12}\)$/) });
    expect(await requestsTotal({ op: 'connect', outcome: 'error' })).toBe(1);
  });

  it('answers an AgentError with its message', async () => {
    await start();
    sut.addHandler('host-update', () => Promise.reject(AgentError.failedPrecondition('not yours')));

    expect(await askOnce(config.socket_path, { op: 'host-update', env: validEnv() })).toEqual({ ok: false, error: 'not yours' });
  });

  it('takes observable results from handlers', async () => {
    await start();
    sut.addHandler('connect', () => Promise.resolve(of({ allowed: true, source: 'portal' })));

    expect(await askOnce(config.socket_path, { op: 'connect', env: validEnv() })).toEqual({ allowed: true, source: 'portal' });
    expect(await requestsTotal({ op: 'connect', outcome: 'allowed' })).toBe(1);
  });

  it("looks a handler up once per op, not per request (Nest's lookup throws for a plain name)", async () => {
    await start();
    sut.addHandler('connect', () => Promise.resolve({ allowed: true, source: 'local' }));
    const lookup = jest.spyOn(sut, 'getHandlerByPattern');

    expect(await askOnce(config.socket_path, { op: 'connect', env: validEnv() })).toEqual({ allowed: true, source: 'local' });
    expect(await askOnce(config.socket_path, { op: 'connect', env: validEnv() })).toEqual({ allowed: true, source: 'local' });

    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('finds a handler registered after a request found none for its op', async () => {
    await start();
    const before = await askOnce(config.socket_path, { op: 'connect', env: validEnv() });
    sut.addHandler('connect', () => Promise.resolve({ allowed: true, source: 'local' }));

    expect(before).toMatchObject({ allowed: false });
    expect(await askOnce(config.socket_path, { op: 'connect', env: validEnv() })).toEqual({ allowed: true, source: 'local' });
  });

  it('lets a request in flight answer on shutdown, then removes the socket file', async () => {
    await start();
    sut.addHandler('connect', () => new Promise((resolve) => setTimeout(() => resolve({ allowed: false, source: 'static', reason: 'late' }), 300)));
    const client = await HookSocketClient.connect(config.socket_path);
    client.send({ op: 'connect', env: validEnv() });
    await new Promise((resolve) => setTimeout(resolve, 50));

    await sut.close();

    expect(await client.readLine()).toEqual({ allowed: false, source: 'static', reason: 'late' });
    await client.closedByAgent();
    client.destroy();
    expect(existsSync(config.socket_path)).toBe(false);
  });

  it('does not remove a socket file that another agent has since put at the path', async () => {
    await start();
    const first = sut;
    rmSync(config.socket_path);
    await start();
    sut.addHandler('connect', () => Promise.resolve({ allowed: true, source: 'local' }));

    await first.close();

    expect(existsSync(config.socket_path)).toBe(true);
    expect(await askOnce(config.socket_path, { op: 'connect', env: validEnv() })).toEqual({ allowed: true, source: 'local' });
  });
});
