import { AgentError } from '../errors/agent-error';
import { PolicyChecker } from './policy-checker';

/** Stands in when authorization.mode is not "portal": nothing may ask a portal that is not configured. */
export class UnconfiguredPolicyChecker extends PolicyChecker {
  check(): Promise<never> {
    return Promise.reject(AgentError.failedPrecondition('no portal is configured (authorization.mode is not "portal")'));
  }
}
