import { AgentError } from '../errors/agent-error';
import { EventReporter } from './event-reporter';

/** Stands in when events.enabled is false: nothing may report to a portal that is not configured for events. */
export class UnconfiguredEventReporter extends EventReporter {
  report(): Promise<never> {
    return Promise.reject(AgentError.failedPrecondition('session events are not enabled (events.enabled is false)'));
  }
}
