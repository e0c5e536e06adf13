import type { Server } from '@nestjs/microservices';
import { AgentGrpcServer } from '../../../src/grpc/agent-grpc.server';
import { IpcServer } from '../../../src/ipc/ipc.server';
import { SessionStore } from '../../../src/session/session-store.service';
import { askOnce, HookSocketClient, legacyFrame } from './hook-socket-client';
import { HookSocketAgent, startHookSocketAgent } from './ipc-test-support';

const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
  REASON: 'connect',
  USERNAME: 'alice',
  GROUPNAME: 'staff',
  ID: '1001',
  IP_REAL: '198.51.100.7',
  IP_REMOTE: '10.10.0.2',
  DEVICE: 'vpns0',
  USER_AGENT: 'Open AnyConnect VPN Agent v9.12',
  ...overrides,
});

/** The hook socket on the real in-process agent, talked to by real node:net clients. */
describe('hook socket (IpcServer)', () => {
  describe('with authorization static allowed', () => {
    let socketPath: string;
    let sut: HookSocketAgent;
    let store: SessionStore;

    beforeAll(async () => {
      sut = await startHookSocketAgent();
      socketPath = sut.socketPath;
      store = sut.app.get(SessionStore);
    });

    afterAll(async () => {
      await sut.stop();
    });

    it('binds the hook handlers to the IPC transport only, and no gRPC handler to it', () => {
      // Nest keeps each connected transport on its NestMicroservice; reached here only to prove the binding.
      const servers = sut.app.getMicroservices().map((microservice) => (microservice as unknown as { serverInstance: Server }).serverInstance);
      const ipc = servers.find((server) => server instanceof IpcServer);
      const grpc = servers.find((server) => server instanceof AgentGrpcServer);

      expect([...(ipc?.getHandlers().keys() ?? [])].sort()).toEqual(['connect', 'disconnect', 'host-update']);
      expect([...(grpc?.getHandlers().keys() ?? [])].some((pattern) => ['connect', 'disconnect', 'host-update'].includes(pattern))).toBe(false);
      expect(grpc?.getHandlers().size).toBeGreaterThan(0);
    });

    it('allows a JSON-lines connect and records the session', async () => {
      const reply = await askOnce(socketPath, { op: 'connect', budget_ms: 5000, env: env({ ID: '2001', USERNAME: 'bob' }) });

      expect(reply).toEqual({ allowed: true, source: 'static' });
      expect(store.get('2001')).toMatchObject({
        username: 'bob',
        clientIp: '198.51.100.7',
        vpnIp: '10.10.0.2',
        deviceId: 'vpns0',
        metadata: { user_agent: 'Open AnyConnect VPN Agent v9.12' },
      });
    });

    it('answers a framed request of the earlier agent with a framed answer', async () => {
      const client = await HookSocketClient.connect(socketPath);
      client.write(
        legacyFrame({ reason: 'connect', username: 'carol', groupname: '', ip_real: '198.51.100.8', ip_remote: '10.10.0.3', device: 'vpns1', session_id: '2002' }),
      );

      expect(await client.readFrame()).toEqual({ allowed: true, message: 'static' });
      await client.closedByAgent();
      expect(store.get('2002')?.username).toBe('carol');
    });

    it('removes the session on disconnect', async () => {
      await askOnce(socketPath, { op: 'connect', env: env({ ID: '2003' }) });

      const reply = await askOnce(socketPath, { op: 'disconnect', env: env({ REASON: 'disconnect', ID: '2003' }) });

      expect(reply).toEqual({ ok: true });
      expect(store.get('2003')).toBeUndefined();
    });

    it('refuses a disconnect for another user\'s session with ok:false and keeps the session', async () => {
      await askOnce(socketPath, { op: 'connect', env: env({ ID: '2004', USERNAME: 'dave' }) });

      const reply = await askOnce(socketPath, { op: 'disconnect', env: env({ REASON: 'disconnect', ID: '2004', USERNAME: 'mallory' }) });

      expect(reply).toEqual({ ok: false, error: expect.stringContaining('belongs to another user') });
      expect(store.get('2004')?.username).toBe('dave');
    });

    it('records the hostname of a host-update', async () => {
      await askOnce(socketPath, { op: 'connect', env: env({ ID: '2005' }) });

      const reply = await askOnce(socketPath, { op: 'host-update', env: env({ REASON: 'host-update', ID: '2005', REMOTE_HOSTNAME: 'alice-laptop' }) });

      expect(reply).toEqual({ ok: true });
      expect(store.get('2005')?.metadata['hostname']).toBe('alice-laptop');
    });

    it('answers several requests on one connection in order', async () => {
      const client = await HookSocketClient.connect(socketPath);
      client.write(
        [
          JSON.stringify({ op: 'connect', env: env({ ID: '2006' }) }),
          JSON.stringify({ op: 'host-update', env: env({ ID: '2006', REMOTE_HOSTNAME: 'h1' }) }),
          JSON.stringify({ op: 'connect', env: env({ USERNAME: '-bad' }) }),
          JSON.stringify({ op: 'disconnect', env: env({ ID: '2006' }) }),
        ].join('\n') + '\n',
      );

      expect(await client.readLine()).toEqual({ allowed: true, source: 'static' });
      expect(await client.readLine()).toEqual({ ok: true });
      expect(await client.readLine()).toEqual({ allowed: false, error: expect.stringContaining('env.USERNAME') });
      expect(await client.readLine()).toEqual({ ok: true });
      expect(store.get('2006')).toBeUndefined();
      client.destroy();
    });

    it('answers a request whose client ended its side right after sending', async () => {
      const client = await HookSocketClient.connect(socketPath);
      client.send({ op: 'connect', env: env({ ID: '2007' }) });
      client.end();

      expect(await client.readLine()).toEqual({ allowed: true, source: 'static' });
      await client.closedByAgent();
    });

    it('refuses a connect without a client address, naming the variable', async () => {
      const reply = await askOnce(socketPath, { op: 'connect', env: env({ IP_REAL: '' }) });

      expect(reply).toEqual({ allowed: false, error: 'env.IP_REAL is required' });
    });
  });

  describe('with authorization static denied', () => {
    let socketPath: string;
    let sut: HookSocketAgent;

    beforeAll(async () => {
      sut = await startHookSocketAgent({}, { authorization: { mode: 'static', static: { allowed: false, deny_reason: 'maintenance window' } } });
      socketPath = sut.socketPath;
    });

    afterAll(async () => {
      await sut.stop();
    });

    it('denies with the source and the reason, and records nothing', async () => {
      const reply = await askOnce(socketPath, { op: 'connect', env: env({ ID: '3001' }) });

      expect(reply).toEqual({ allowed: false, source: 'static', reason: 'maintenance window' });
      expect(sut.app.get(SessionStore).get('3001')).toBeUndefined();
    });

    it('denies a framed request with the reason as message', async () => {
      const client = await HookSocketClient.connect(socketPath);
      client.write(legacyFrame({ reason: 'connect', username: 'alice', ip_real: '198.51.100.7', session_id: '3002' }));

      expect(await client.readFrame()).toEqual({ allowed: false, message: 'maintenance window' });
      client.destroy();
    });
  });
});
