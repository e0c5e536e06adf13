import { EventReporter, type EventAnswer } from '../../../src/portal/event-reporter';
import { PortalFailure, PortalFailureKind } from '../../../src/portal/portal-failure';
import type { StoredEvent } from '../../../src/session-events/session-event';

export interface ReportCall {
  readonly event: StoredEvent;
  readonly timeoutMs: number;
  /** Date.now() when the call was made (fake timers' time in unit tests). */
  readonly atMs: number;
  readonly settled: boolean;
}

interface OpenCall extends ReportCall {
  settled: boolean;
  resolve(answer: EventAnswer): void;
  reject(error: Error): void;
}

type Behaviour = { readonly kind: 'answer' } | { readonly kind: 'fail'; readonly error: () => Error } | { readonly kind: 'hang' };

/** What a GrpcEventReporter rejects with when the portal does not listen. */
export function portalDown(): PortalFailure {
  return new PortalFailure(PortalFailureKind.Unreachable, 'portal ReportConnect failed: UNAVAILABLE: connect ECONNREFUSED 192.0.2.20:9443');
}

export function portalError(): PortalFailure {
  return new PortalFailure(PortalFailureKind.Failed, 'portal ReportConnect failed: INTERNAL: database is locked');
}

/** The answer the portal gives when all is well, for the event's kind. */
export function successAnswerFor(event: StoredEvent): EventAnswer {
  switch (event.body.kind) {
    case 'connect':
      return { kind: 'connect', answer: { success: true, message: 'recorded', updatedRoutes: [] } };
    case 'disconnect':
      return { kind: 'disconnect', answer: { success: true, message: 'recorded' } };
    case 'update':
      return { kind: 'update', answer: { success: true, shouldDisconnect: false, disconnectReason: '' } };
  }
}

/**
 * A portal the test controls: answers at once (default), fails, or holds calls until the test
 * settles them. Every call is remembered in arrival order.
 */
export class FakeEventReporter extends EventReporter {
  readonly calls: OpenCall[] = [];
  private behaviour: Behaviour = { kind: 'answer' };
  private answerFor: (event: StoredEvent) => EventAnswer = successAnswerFor;

  answers(answerFor: (event: StoredEvent) => EventAnswer = successAnswerFor): this {
    this.behaviour = { kind: 'answer' };
    this.answerFor = answerFor;
    return this;
  }

  fails(error: () => Error = portalDown): this {
    this.behaviour = { kind: 'fail', error };
    return this;
  }

  hangs(): this {
    this.behaviour = { kind: 'hang' };
    return this;
  }

  get open(): ReportCall[] {
    return this.calls.filter((call) => !call.settled);
  }

  /** Seqs in the order their events reached the portal. */
  get sentSeqs(): number[] {
    return this.calls.map((call) => call.event.seq);
  }

  answerOpen(count = Number.POSITIVE_INFINITY): void {
    for (const call of this.calls.filter((candidate) => !candidate.settled).slice(0, count)) {
      call.settled = true;
      call.resolve(this.answerFor(call.event));
    }
  }

  failOpen(error: () => Error = portalDown): void {
    for (const call of this.calls.filter((candidate) => !candidate.settled)) {
      call.settled = true;
      call.reject(error());
    }
  }

  report(event: StoredEvent, timeoutMs: number): Promise<EventAnswer> {
    return new Promise<EventAnswer>((resolve, reject) => {
      const call: OpenCall = { event, timeoutMs, atMs: Date.now(), settled: false, resolve, reject };
      this.calls.push(call);
      const behaviour = this.behaviour;
      if (behaviour.kind === 'answer') {
        call.settled = true;
        resolve(this.answerFor(event));
      } else if (behaviour.kind === 'fail') {
        call.settled = true;
        reject(behaviour.error());
      }
    });
  }
}
