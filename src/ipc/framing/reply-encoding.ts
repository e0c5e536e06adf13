import type { HookFraming } from '../hook-request';
import { LEGACY_LENGTH_PREFIX_BYTES } from '../ipc-limits.constant';
import type { IpcReply } from '../ipc-reply';
import { toLegacyReply } from '../ipc-reply.mapper';

/**
 * An answer in the connection's framing. Before the framing is known (the first byte was
 * refused, or nothing arrived) the answer is a JSON line: the current hook reads those.
 */
export function encodeReply(framing: HookFraming | undefined, reply: IpcReply): Buffer {
  if (framing !== 'legacy') {
    return Buffer.from(`${JSON.stringify(reply)}\n`, 'utf8');
  }
  const body = Buffer.from(JSON.stringify(toLegacyReply(reply)), 'utf8');
  const prefix = Buffer.alloc(LEGACY_LENGTH_PREFIX_BYTES);
  prefix.writeUInt32BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}
