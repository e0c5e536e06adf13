import * as protoLoader from '@grpc/proto-loader';
import { GetActiveSessionsResponse, VPNSession } from '../../../src/generated/agent/v1/agent';
import { AGENT_PROTO, PROTO_LOADER_OPTIONS } from '../../../src/grpc/proto-files.constant';
import { SessionListEncoder } from '../../../src/vpn/session-list.encoder';

const session = (n: number, bytesIn = 0): VPNSession =>
  Object.freeze({
    session_id: `s-${n}`,
    username: `user${n}`,
    client_ip: '198.51.100.1',
    vpn_ip: `10.0.0.${n}`,
    connected_at: { seconds: 1_700_000_000 + n, nanos: 5_000_000 },
    bytes_in: bytesIn,
    bytes_out: 2 ** 40,
    device_id: 'vpns0',
    metadata: Object.freeze({ user_agent: `agent ${n}`, platform: 'linux' }),
  });

const protobufjsDecode = (() => {
  const definition = protoLoader.loadSync([AGENT_PROTO], PROTO_LOADER_OPTIONS);
  const method = (definition['agent.v1.VPNAgentService'] as protoLoader.ServiceDefinition).GetActiveSessions!;
  return (bytes: Uint8Array) => method.responseDeserialize(Buffer.from(bytes)) as GetActiveSessionsResponse;
})();

describe('SessionListEncoder', () => {
  it('writes exactly the bytes of the generated encoder', () => {
    const message = { sessions: [session(1), session(2, 77)], total_count: 2 };

    const sut = SessionListEncoder.encode(message).finish();

    expect(Buffer.from(sut)).toEqual(Buffer.from(GetActiveSessionsResponse.encode(message).finish()));
  });

  it('produces a response protobufjs (what grpc-js clients use) decodes to the same sessions', () => {
    const message = { sessions: [session(3), session(4, 123456)], total_count: 2 };

    const decoded = protobufjsDecode(SessionListEncoder.encode(message).finish());

    expect(decoded).toEqual(message);
  });

  it('encodes each frozen session once and reuses its bytes on the next response', () => {
    const sessions = [session(5), session(6)];
    const spy = jest.spyOn(VPNSession, 'encode');
    try {
      SessionListEncoder.encode({ sessions, total_count: 2 }).finish();
      SessionListEncoder.encode({ sessions, total_count: 2 }).finish();
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('does not cache a session object that could still change', () => {
    const mutable: VPNSession = { ...session(7) };
    const first = SessionListEncoder.encode({ sessions: [mutable], total_count: 1 }).finish();
    mutable.bytes_in = 999;
    const second = SessionListEncoder.encode({ sessions: [mutable], total_count: 1 }).finish();

    expect(protobufjsDecode(first).sessions[0]?.bytes_in).toBe(0);
    expect(protobufjsDecode(second).sessions[0]?.bytes_in).toBe(999);
  });

  it('writes multi-byte lengths and counts correctly (300 sessions, long metadata)', () => {
    const sessions = Array.from({ length: 300 }, (_, n) =>
      Object.freeze({ ...session(n), metadata: Object.freeze({ user_agent: 'x'.repeat(200 + n) }) }),
    );
    const message = { sessions, total_count: 300 };

    const sut = SessionListEncoder.encode(message).finish();

    expect(Buffer.from(sut)).toEqual(Buffer.from(GetActiveSessionsResponse.encode(message).finish()));
  });

  it('encodes an empty list as an empty message', () => {
    expect(SessionListEncoder.encode({ sessions: [], total_count: 0 }).finish()).toHaveLength(0);
  });
});
