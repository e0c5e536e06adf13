import { PortalFailure, PortalFailureKind } from '../../../src/portal/portal-failure';
import { SessionValidator, type SessionQuery, type SessionVerdict } from '../../../src/portal/session-validator';
import { aValidSessionVerdict } from './session-verdict.builder';

type Behaviour =
  | { readonly kind: 'answer'; readonly verdict: SessionVerdict }
  | { readonly kind: 'fail'; readonly error: Error }
  | { readonly kind: 'hang' };

interface HangingCall {
  readonly resolve: (verdict: SessionVerdict) => void;
  readonly reject: (error: Error) => void;
}

/** The error a real GrpcSessionValidator rejects with when the portal is down. */
export const PORTAL_DOWN_AT_VALIDATION = 'portal ValidateSession failed: UNAVAILABLE: connect ECONNREFUSED 192.0.2.20:9443';

export function portalDown(): PortalFailure {
  return new PortalFailure(PortalFailureKind.Unreachable, PORTAL_DOWN_AT_VALIDATION);
}

/**
 * A portal the test controls: answers (per user if told), fails or hangs until the test
 * settles the hanging calls; remembers every call, when it came (Date.now(), fake timers)
 * and how many were out at once.
 */
export class FakeSessionValidator extends SessionValidator {
  readonly calls: { readonly query: SessionQuery; readonly timeoutMs: number; readonly atMs: number }[] = [];
  private behaviour: Behaviour = { kind: 'answer', verdict: aValidSessionVerdict() };
  private readonly behaviourByUser = new Map<string, Behaviour>();
  private hanging: HangingCall[] = [];
  private outstanding = 0;
  private mostOutstanding = 0;

  /** The most calls that were out (not yet settled) at one time. */
  get maxInFlight(): number {
    return this.mostOutstanding;
  }

  get usernamesAsked(): string[] {
    return this.calls.map((call) => call.query.username);
  }

  answers(verdict: SessionVerdict): this {
    this.behaviour = { kind: 'answer', verdict };
    return this;
  }

  answersFor(username: string, verdict: SessionVerdict): this {
    this.behaviourByUser.set(username, { kind: 'answer', verdict });
    return this;
  }

  fails(error: Error = portalDown()): this {
    this.behaviour = { kind: 'fail', error };
    return this;
  }

  hangs(): this {
    this.behaviour = { kind: 'hang' };
    return this;
  }

  answerHangingCalls(verdict: SessionVerdict = aValidSessionVerdict()): void {
    const hanging = this.hanging;
    this.hanging = [];
    for (const call of hanging) call.resolve(verdict);
  }

  failHangingCalls(error: Error = portalDown()): void {
    const hanging = this.hanging;
    this.hanging = [];
    for (const call of hanging) call.reject(error);
  }

  validate(query: SessionQuery, timeoutMs: number): Promise<SessionVerdict> {
    this.calls.push({ query, timeoutMs, atMs: Date.now() });
    this.outstanding += 1;
    this.mostOutstanding = Math.max(this.mostOutstanding, this.outstanding);
    const settled = (): void => {
      this.outstanding -= 1;
    };
    return this.reply(this.behaviourByUser.get(query.username) ?? this.behaviour).finally(settled);
  }

  private reply(behaviour: Behaviour): Promise<SessionVerdict> {
    switch (behaviour.kind) {
      case 'answer':
        return Promise.resolve(behaviour.verdict);
      case 'fail':
        return Promise.reject(behaviour.error);
      case 'hang':
        return new Promise<SessionVerdict>((resolve, reject) => this.hanging.push({ resolve, reject }));
    }
  }
}
