import { AgentError } from '../errors/agent-error';
import { AgentErrorCode } from '../errors/agent-error-code.enum';

/** Why a portal call (CheckPolicy, ValidateSession, an EventService report) gave no answer, in the agent's own words (what callers and ocserv's log see). */
export enum PortalFailureKind {
  /** No connection: refused, reset, DNS, TLS handshake (grpc UNAVAILABLE). */
  Unreachable = 'portal unreachable',
  /** No answer within portal.call_timeout_ms or the decision budget. */
  TimedOut = 'portal timed out',
  /** The breaker is open: the portal was not asked. */
  CircuitOpen = 'portal circuit open',
  /** The portal answered with something the agent will not pass on (a malformed route ...). */
  InvalidAnswer = 'portal answer invalid',
  /** The portal answered with an error status. */
  Failed = 'portal call failed',
  /** The agent's own queue of CheckPolicy calls is at portal.max_queued_calls or max_queued_bytes: the portal was not asked. */
  QueueFull = 'agent portal queue full',
  /** The decision budget ran out while the call waited for one of portal.max_concurrent_calls: the portal was not asked. */
  QueueTimedOut = 'agent portal queue wait over budget',
}

/**
 * A portal call that gave no verdict or answer. `message` is the full detail (grpc-js text,
 * addresses) for the agent's log; `kind` is the short reason callers get.
 */
export class PortalFailure extends AgentError {
  constructor(
    readonly kind: PortalFailureKind,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(AgentErrorCode.Unavailable, detail, options);
    this.name = 'PortalFailure';
  }
}
