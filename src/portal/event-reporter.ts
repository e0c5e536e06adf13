import type { SessionEventKind, StoredEvent } from '../session-events/session-event';

/** The portal's answer to ReportConnect, validated (event-wire.mapper.ts). */
export interface ConnectAnswer {
  readonly success: boolean;
  readonly message: string;
  /** Every entry is an IP network; empty when the portal sent none or sent an invalid list. */
  readonly updatedRoutes: readonly string[];
}

export interface DisconnectAnswer {
  readonly success: boolean;
  readonly message: string;
}

export interface UpdateAnswer {
  readonly success: boolean;
  readonly shouldDisconnect: boolean;
  /** Empty unless shouldDisconnect. */
  readonly disconnectReason: string;
}

/** One answer per event kind; `kind` is the event's. */
export type EventAnswer =
  | { readonly kind: 'connect'; readonly answer: ConnectAnswer }
  | { readonly kind: 'disconnect'; readonly answer: DisconnectAnswer }
  | { readonly kind: 'update'; readonly answer: UpdateAnswer };

export type EventAnswerOf<K extends SessionEventKind> = Extract<EventAnswer, { kind: K }>;

/**
 * Sends one outbox event to the portal's vpn.v1.EventService (the RPC follows the body's
 * kind, metadata.event_id is the event's id). One method rather than one per RPC: the
 * deliverer treats every kind alike, and the answer's `kind` says which one came back.
 *
 * Resolves once the portal answered, whatever `success` says (the portal received the
 * event; resending it would not change its mind). Rejects with a PortalFailure
 * (Unreachable / TimedOut / Failed) when it did not answer; the event is then retried.
 */
export abstract class EventReporter {
  abstract report(event: StoredEvent, timeoutMs: number): Promise<EventAnswer>;
}
