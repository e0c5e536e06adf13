import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, SERVED_PROTOS } from '../src/grpc/proto-files.constant';

/*
 * The load generator shares two cores with the agent. Decoding every response
 * in JavaScript (protobufjs: ~60-90 ms for a 10,000-session list) would charge
 * the client's work to the agent's latency, so measured calls keep responses as
 * raw bytes; `decode` is used on samples to check what the agent sent.
 */

export interface RawDefinition {
  readonly definition: grpc.GrpcObject;
  decode(method: string, bytes: Buffer): unknown;
}

export function rawResponseDefinition(): RawDefinition {
  const packageDefinition = protoLoader.loadSync([...SERVED_PROTOS], PROTO_LOADER_OPTIONS);
  const decoders = new Map<string, (bytes: Buffer) => unknown>();
  for (const [name, entry] of Object.entries(packageDefinition)) {
    if ('format' in entry) continue;
    for (const [method, definition] of Object.entries(entry as protoLoader.ServiceDefinition)) {
      decoders.set(`${name}.${method}`, definition.responseDeserialize);
      (definition as { responseDeserialize: (bytes: Buffer) => unknown }).responseDeserialize = (bytes: Buffer) => bytes;
    }
  }
  return {
    definition: grpc.loadPackageDefinition(packageDefinition),
    decode(method, bytes) {
      const decoder = decoders.get(method);
      if (decoder === undefined) throw new Error(`no decoder for ${method}`);
      return decoder(bytes);
    },
  };
}
