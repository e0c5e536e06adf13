import type { DecisionSource } from '../vpn/vpn-notices';

/** connect: the decision. `reason` is the deny reason, present only when denied. */
export interface ConnectReply {
  readonly allowed: boolean;
  readonly source: DecisionSource;
  readonly reason?: string;
}

/** disconnect, host-update: done. */
export interface AckReply {
  readonly ok: true;
}

/** disconnect, host-update refused (e.g. the session belongs to another user). */
export interface FailedAckReply {
  readonly ok: false;
  readonly error: string;
}

/** A connect (or an undecodable request) the agent refused: never an allow. */
export interface ErrorReply {
  readonly allowed: false;
  readonly error: string;
}

export type IpcReply = ConnectReply | AckReply | FailedAckReply | ErrorReply;

/** The earlier agent's answer shape, for the length-prefixed framing. */
export interface LegacyReply {
  readonly allowed: boolean;
  readonly error?: string;
  readonly message?: string;
}
