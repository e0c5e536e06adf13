import { AgentError } from '../errors/agent-error';
import { SessionValidator } from './session-validator';

/** Stands in when revalidation.enabled is false: nothing may ask ValidateSession then. */
export class UnconfiguredSessionValidator extends SessionValidator {
  validate(): Promise<never> {
    return Promise.reject(AgentError.failedPrecondition('session revalidation is not configured (revalidation.enabled is false)'));
  }
}
