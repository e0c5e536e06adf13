import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AGENT_PROTO, PROTO_LOADER_OPTIONS } from '../src/grpc/proto-files.constant';
import type { TestPki } from '../test/support/test-pki';

/*
 * The control for the load benchmark: a bare grpc-js server with the same
 * protos, the same mTLS and a trivial in-memory session map, no NestJS, no
 * logging, no validation. What it measures is the floor this machine, Node and
 * grpc-js set for the load shape; the agent's numbers are read against it.
 */
export async function startBareServer(pki: TestPki): Promise<{ port: number; stop(): void }> {
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync([AGENT_PROTO], PROTO_LOADER_OPTIONS)) as any;
  const sessions = new Map<string, { session_id: string; username: string; client_ip: string; vpn_ip: string }>();
  const server = new grpc.Server();
  server.addService(definition.agent.v1.VPNAgentService.service, {
    NotifyConnect: (call: any, callback: grpc.sendUnaryData<object>) => {
      sessions.set(call.request.session_id, call.request);
      callback(null, { allowed: true });
    },
    GetActiveSessions: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      const list = [...sessions.values()];
      callback(null, { sessions: list, total_count: list.length });
    },
    NotifyDisconnect: (call: any, callback: grpc.sendUnaryData<object>) => {
      sessions.delete(call.request.session_id);
      callback(null, { acknowledged: true });
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(pki.ca, [{ cert_chain: pki.server.cert, private_key: pki.server.key }], true);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, stop: () => server.forceShutdown() };
}
