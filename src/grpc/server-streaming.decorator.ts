import { SetMetadata } from '@nestjs/common';

export const SERVER_STREAMING_KEY = 'ocserv-agent:server-streaming';

/**
 * Marks a handler whose response is a stream. grpc-js hands unary and
 * server-streaming handlers the same writable call object, so the call
 * interceptor cannot tell them apart; it needs to, because a stream whose
 * source completed has succeeded only once grpc-js wrote every message.
 */
export const ServerStreaming = (): MethodDecorator => SetMetadata(SERVER_STREAMING_KEY, true);
