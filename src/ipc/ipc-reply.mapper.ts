import { randomBytes } from 'node:crypto';
import { AgentErrorCode } from '../errors/agent-error-code.enum';
import { AgentError } from '../errors/agent-error';
import type { ConnectDecision } from '../vpn/vpn-notices';
import type { HookOp } from './hook-request';
import type { IpcOutcome } from './ipc-outcome';
import type { AckReply, ConnectReply, ErrorReply, FailedAckReply, IpcReply, LegacyReply } from './ipc-reply';

/*
 * The one place the IPC transport turns results and errors into answers. An error never
 * becomes an allow: a connect (or a request whose op is unknown) that failed answers
 * `allowed:false`; a disconnect or host-update that failed answers `ok:false`.
 */

export const ACK_REPLY: AckReply = Object.freeze({ ok: true });

export interface IpcErrorAnswer {
  readonly reply: ErrorReply | FailedAckReply;
  readonly outcome: IpcOutcome;
  /** Set for unexpected errors: the id the client sees and under which the cause is logged. */
  readonly reference?: string;
  readonly cause?: unknown;
}

export function toConnectReply(decision: ConnectDecision): ConnectReply {
  return decision.allowed
    ? { allowed: true, source: decision.source }
    : { allowed: false, source: decision.source, reason: decision.denyReason };
}

/** `op` undefined: the request was not understood far enough to know it. */
export function toIpcErrorAnswer(error: unknown, op: HookOp | undefined): IpcErrorAnswer {
  if (error instanceof AgentError) {
    return { reply: errorReply(error.message, op), outcome: outcomeFor(error.code) };
  }
  const reference = randomBytes(6).toString('hex');
  return {
    reply: errorReply(`internal error in the agent (reference ${reference})`, op),
    outcome: 'error',
    reference,
    cause: error,
  };
}

/** A refusal decided by the transport itself (framing, limits): always an error, never an allow. */
export function toRefusalReply(message: string): ErrorReply {
  return { allowed: false, error: message };
}

/** The outcome of a handler that answered (errors have theirs from toIpcErrorAnswer). */
export function outcomeOfReply(reply: ConnectReply | AckReply): IpcOutcome {
  if ('ok' in reply) return 'ok';
  return reply.allowed ? 'allowed' : 'denied';
}

/** The earlier agent's `{allowed, error?, message?}`; `message` carries the deny reason or the source. */
export function toLegacyReply(reply: IpcReply): LegacyReply {
  if ('ok' in reply) return reply.ok ? { allowed: true } : { allowed: false, error: reply.error };
  if ('error' in reply) return { allowed: false, error: reply.error };
  return { allowed: reply.allowed, message: reply.reason || reply.source };
}

function errorReply(message: string, op: HookOp | undefined): ErrorReply | FailedAckReply {
  return op === 'disconnect' || op === 'host-update' ? { ok: false, error: message } : { allowed: false, error: message };
}

function outcomeFor(code: AgentErrorCode): IpcOutcome {
  switch (code) {
    case AgentErrorCode.InvalidArgument:
      return 'invalid';
    case AgentErrorCode.NotFound:
    case AgentErrorCode.FailedPrecondition:
    case AgentErrorCode.PermissionDenied:
    case AgentErrorCode.ResourceExhausted:
    case AgentErrorCode.NotImplemented:
      return 'refused';
    case AgentErrorCode.Unavailable:
    case AgentErrorCode.Cancelled:
      return 'unavailable';
    case AgentErrorCode.DeadlineExceeded:
      return 'timeout';
    case AgentErrorCode.Internal:
      return 'error';
  }
}
