import { connect, constants, ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { CertPair, TestPki } from './test-pki';

export interface UnreadStream {
  /** grpc-status from the trailers, or undefined when the stream ended without them (reset). */
  readonly status: Promise<number | undefined>;
  /** Resets the stream (RST_STREAM CANCEL), as a client that gives up does, and closes the connection. */
  cancel(): void;
}

/**
 * A gRPC client that sends one server-streaming request and never reads the
 * answer: a raw HTTP/2 stream left paused, so its flow-control window (64 KiB)
 * is never reopened. grpc-js's own client buffers megabytes for a paused call,
 * which hides how the server behaves towards a reader that really stops.
 */
export function openUnreadStream(port: number, pki: TestPki, client: CertPair, path: string, message: Uint8Array): UnreadStream {
  const session: ClientHttp2Session = connect(`https://127.0.0.1:${port}`, {
    ca: pki.ca,
    cert: client.cert,
    key: client.key,
    servername: 'localhost',
  });
  session.on('error', () => undefined);
  const stream: ClientHttp2Stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('error', () => undefined);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(frame, 5);
  stream.end(frame);
  stream.pause();
  const status = new Promise<number | undefined>((resolve) => {
    stream.on('trailers', (trailers) => resolve(Number(trailers['grpc-status'])));
    stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) resolve(Number(headers['grpc-status']));
    });
    stream.on('close', () => resolve(undefined));
  });
  return {
    status,
    cancel: () => {
      stream.close(constants.NGHTTP2_CANCEL);
      session.close();
    },
  };
}
