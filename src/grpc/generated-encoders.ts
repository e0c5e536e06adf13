import type { PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import * as agentV1 from '../generated/agent/v1/agent';
import * as healthV1 from '../generated/grpc/health/v1/health';
import * as configV1 from '../generated/vpn/v1/config';
import { SessionListEncoder } from '../vpn/session-list.encoder';

/*
 * Responses are encoded with ts-proto's generated encoders instead of
 * protobufjs' reflection-based ones. Measured here on 10,000 sessions
 * (GetActiveSessions): protobufjs 110-180 ms per response, generated 13-20 ms.
 * Requests stay with proto-loader: they are small, and protobufjs decodes
 * hostile input (oversized varints, unknown enum numbers) without throwing.
 * Both sides speak standard proto3, so clients see the same messages.
 */

interface Encoder {
  encode(message: never): { finish(): Uint8Array };
}

/** Generated message codecs by fully-qualified proto name. */
const ENCODERS = new Map<string, Encoder>([
  ...encodersOf('agent.v1', agentV1),
  ...encodersOf('grpc.health.v1', healthV1),
  ...encodersOf('vpn.v1', configV1),
  // Reuses each session's encoded bytes across polls (see the encoder).
  ['agent.v1.GetActiveSessionsResponse', SessionListEncoder],
]);

function encodersOf(protoPackage: string, generated: Record<string, unknown>): [string, Encoder][] {
  return Object.entries(generated)
    .filter((entry): entry is [string, Encoder] => typeof (entry[1] as Partial<Encoder>)?.encode === 'function')
    .map(([name, codec]) => [`${protoPackage}.${name}`, codec]);
}

/** Points every method's responseSerialize at the generated encoder of its response type. Mutates and returns `definition`. */
export function withGeneratedResponseEncoders(definition: PackageDefinition): PackageDefinition {
  for (const [name, entry] of Object.entries(definition)) {
    if ('format' in entry) {
      continue; // a message or enum type, not a service
    }
    const protoPackage = name.slice(0, name.lastIndexOf('.'));
    for (const method of Object.values(entry as ServiceDefinition)) {
      const responseName = `${protoPackage}.${(method.responseType.type as { name: string }).name}`;
      const encoder = ENCODERS.get(responseName);
      if (encoder === undefined) {
        throw new Error(`no generated encoder for ${responseName}; run npm run proto:gen`);
      }
      const writable = method as { responseSerialize: (value: unknown) => Buffer };
      writable.responseSerialize = (value: unknown) => {
        const bytes = encoder.encode(value as never).finish();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      };
    }
  }
  return definition;
}
