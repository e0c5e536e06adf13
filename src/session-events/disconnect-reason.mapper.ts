import type { DisconnectReasonName } from './session-event';

/*
 * Why a session ended, from what the agent actually knows. ocserv gives no reason to the
 * disconnect-script in any version; it names one on `occtl show events` ("(reason: X, time:
 * N)", the text of discon_reason_to_str() in ocserv's src/common/common.c) and in its log line
 * "user disconnected (reason: X, rx: N, tx: N)". Where a text covers several causes the reason
 * is UNSPECIFIED and the text goes to metadata: never a guess dressed as fact.
 */

/** ocserv 1.1.6-1.5.0 discon_reason_to_str() texts -> what they establish. */
const OCSERV_REASON_TEXTS: Readonly<Record<string, DisconnectReasonName>> = {
  // openconnect's BYE with the "user disconnect" code (REASON_USER_DISCONNECT).
  'user disconnected': 'USER_INITIATED',
  // A BYE without that code (REASON_TEMP_DISCONNECT): AnyConnect leaving to reconnect, e.g. after a network change.
  'anyconnect client disconnected': 'USER_INITIATED',
  'idle timeout': 'IDLE_TIMEOUT',
  'session timeout': 'SESSION_LIMIT',
  'DPD timeout': 'CONNECTION_ERROR',
  'unspecified error': 'CONNECTION_ERROR',
  // REASON_SERVER_DISCONNECT covers occtl disconnect by anyone, auth-timeout and a stopping
  // ocserv: which one only the agent's own intent or ocserv going away can tell.
  'server disconnected': 'UNSPECIFIED',
  'unspecified': 'UNSPECIFIED',
  'TCP health probe': 'UNSPECIFIED',
};

/** Where the reason came from (metadata.reason_source). */
export type ReasonSource = 'agent' | 'ocserv' | 'ocserv-stopped' | 'ocserv-restarted' | 'ended-while-agent-down' | 'none';

/** Everything known about one end; several reports of it merge into this. */
export interface EndFacts {
  /** The agent ended it (DisconnectUser, revalidation, a portal answer). */
  readonly intent?: 'ADMIN_FORCED' | 'POLICY_VIOLATION';
  /** ocserv's text from the event stream, verbatim. */
  readonly ocservReason?: string;
  /** ocserv stopped (event stream ended, status offline) within the settle window of this end. */
  readonly ocservStopped?: boolean;
  /** Reconciliation found another ocserv instance, without this session. */
  readonly ocservRestarted?: boolean;
  /** Found at agent start: persisted as live, gone from ocserv. */
  readonly endedWhileAgentDown?: boolean;
}

export interface MappedReason {
  readonly reason: DisconnectReasonName;
  readonly source: ReasonSource;
}

/** ocserv's text, known or not: a decisive reason, or UNSPECIFIED for texts that cover several causes or are new. */
export function reasonOfOcservText(text: string): DisconnectReasonName {
  return OCSERV_REASON_TEXTS[text.trim()] ?? 'UNSPECIFIED';
}

/**
 * Precedence: the agent's own intent (it ran the disconnect), then a decisive ocserv text, then
 * ocserv stopping or restarting, else UNSPECIFIED. ocserv 1.1.6 stopped with SIGTERM reports every
 * session's end as "unknown" (measured), so a stopped ocserv outranks an undecided text.
 */
export function mapDisconnectReason(facts: EndFacts): MappedReason {
  if (facts.intent !== undefined) return { reason: facts.intent, source: 'agent' };
  if (facts.ocservReason !== undefined) {
    const reason = reasonOfOcservText(facts.ocservReason);
    if (reason !== 'UNSPECIFIED') return { reason, source: 'ocserv' };
  }
  if (facts.ocservStopped === true) return { reason: 'SERVER_SHUTDOWN', source: 'ocserv-stopped' };
  if (facts.ocservRestarted === true) return { reason: 'SERVER_SHUTDOWN', source: 'ocserv-restarted' };
  if (facts.endedWhileAgentDown === true) return { reason: 'UNSPECIFIED', source: 'ended-while-agent-down' };
  return { reason: 'UNSPECIFIED', source: facts.ocservReason === undefined ? 'none' : 'ocserv' };
}

/** true when a later fact could still change the reason (what ocservGone() may amend). */
export function isUndecided(facts: EndFacts): boolean {
  return mapDisconnectReason(facts).reason === 'UNSPECIFIED' && facts.endedWhileAgentDown !== true;
}
