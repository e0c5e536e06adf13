import { PolicyChecker, type PolicyQuery, type PolicyVerdict } from '../../../src/portal/policy-checker';
import { PortalFailure, PortalFailureKind } from '../../../src/portal/portal-failure';
import { anAllowVerdict } from './policy-verdict.builder';

type Behaviour =
  | { readonly kind: 'answer'; readonly verdict: PolicyVerdict }
  | { readonly kind: 'fail'; readonly error: Error }
  | { readonly kind: 'hang' };

interface HangingCall {
  readonly resolve: (verdict: PolicyVerdict) => void;
  readonly reject: (error: Error) => void;
}

/** The error a real GrpcPolicyChecker rejects with when the portal is down. */
export const PORTAL_DOWN = 'portal CheckPolicy failed: UNAVAILABLE: connect ECONNREFUSED 192.0.2.20:9443';

/**
 * A portal the test controls: answers, fails or hangs (until the test settles the
 * hanging calls), and remembers every call that reached it.
 */
export class FakePolicyChecker extends PolicyChecker {
  readonly calls: { readonly query: PolicyQuery; readonly timeoutMs: number }[] = [];
  private behaviour: Behaviour = { kind: 'answer', verdict: anAllowVerdict() };
  private hanging: HangingCall[] = [];

  get callCount(): number {
    return this.calls.length;
  }

  answers(verdict: PolicyVerdict): this {
    this.behaviour = { kind: 'answer', verdict };
    return this;
  }

  fails(error: Error = new PortalFailure(PortalFailureKind.Unreachable, PORTAL_DOWN)): this {
    this.behaviour = { kind: 'fail', error };
    return this;
  }

  hangs(): this {
    this.behaviour = { kind: 'hang' };
    return this;
  }

  /** The portal finally answers every call still hanging. */
  answerHangingCalls(verdict: PolicyVerdict): void {
    const hanging = this.hanging;
    this.hanging = [];
    for (const call of hanging) call.resolve(verdict);
  }

  check(query: PolicyQuery, timeoutMs: number): Promise<PolicyVerdict> {
    this.calls.push({ query, timeoutMs });
    const behaviour = this.behaviour;
    switch (behaviour.kind) {
      case 'answer':
        return Promise.resolve(behaviour.verdict);
      case 'fail':
        return Promise.reject(behaviour.error);
      case 'hang':
        return new Promise<PolicyVerdict>((resolve, reject) => this.hanging.push({ resolve, reject }));
    }
  }
}
