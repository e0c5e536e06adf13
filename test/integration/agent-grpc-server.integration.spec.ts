import { credentials, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { AgentGrpcServer } from '../../src/grpc/agent-grpc.server';
import { HEALTH_PROTO, PROTO_LOADER_OPTIONS } from '../../src/grpc/proto-files.constant';
import { connectAgent } from '../support/agent-clients';

type WatchClient = { watch(request: object): ClientReadableStream<{ status: string }> };

/** The transport's own shutdown bound, with a handler that never finishes. */
describe(AgentGrpcServer.name, () => {
  const SHUTDOWN_TIMEOUT_MS = 300;

  function serverWithEndlessWatch(): { sut: AgentGrpcServer; torndown: () => boolean } {
    let tornDown = false;
    const sut = new AgentGrpcServer({
      url: '127.0.0.1:0',
      credentials: ServerCredentials.createInsecure(),
      channelOptions: {},
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      grpc: { package: 'grpc.health.v1', protoPath: HEALTH_PROTO, loader: PROTO_LOADER_OPTIONS },
    });
    const endless = () =>
      new Observable<{ status: string }>((subscriber) => {
        subscriber.next({ status: 'SERVING' });
        return () => (tornDown = true);
      });
    sut.addHandler(JSON.stringify({ service: 'Health', rpc: 'Watch', streaming: 'no_stream' }), async () => endless());
    return { sut, torndown: () => tornDown };
  }

  it('reports the port it bound when asked for port 0', async () => {
    const { sut } = serverWithEndlessWatch();
    await new Promise<void>((resolve, reject) => sut.listen((error?: unknown) => (error ? reject(error) : resolve())));
    expect(sut.port).toBeGreaterThan(0);
    await sut.close();
  });

  it('cancels calls still running after shutdownTimeoutMs, and close() returns', async () => {
    const { sut, torndown } = serverWithEndlessWatch();
    await new Promise<void>((resolve, reject) => sut.listen((error?: unknown) => (error ? reject(error) : resolve())));
    const client = connectAgent(sut.port ?? 0, credentials.createInsecure());
    const watch = (client.health as unknown as WatchClient).watch({ service: '' });
    const streamError = new Promise<{ code: number }>((resolve) => watch.on('error', resolve));
    await new Promise((resolve) => watch.once('data', resolve));

    const startedAt = Date.now();
    await sut.close();
    const elapsedMs = Date.now() - startedAt;

    expect(elapsedMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 20);
    expect(elapsedMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);
    expect((await streamError).code).toBe(GrpcStatus.CANCELLED);
    expect(torndown()).toBe(true);
    client.close();
  });

  it('closes at once when nothing is in flight', async () => {
    const { sut } = serverWithEndlessWatch();
    await new Promise<void>((resolve, reject) => sut.listen((error?: unknown) => (error ? reject(error) : resolve())));
    const startedAt = Date.now();
    await sut.close();
    expect(Date.now() - startedAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  });
});
