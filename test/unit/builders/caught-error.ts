import { ConfigError } from '../../../src/config/config-error';
import { AgentError } from '../../../src/errors/agent-error';

/** The AgentError `action` throws; fails the test if it throws nothing or something else. */
export function agentErrorFrom(action: () => unknown): AgentError {
  try {
    action();
  } catch (error) {
    if (error instanceof AgentError) {
      return error;
    }
    throw new Error(`expected an AgentError, got ${String(error)}`);
  }
  throw new Error('expected an AgentError, but nothing was thrown');
}

/** The AgentError `promise` rejects with; fails the test if it resolves or rejects with something else. */
export async function agentErrorFromAsync(promise: Promise<unknown>): Promise<AgentError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AgentError) {
      return error;
    }
    throw new Error(`expected an AgentError, got ${String(error)}`);
  }
  throw new Error('expected an AgentError, but the promise resolved');
}

/** The ConfigError `action` throws; fails the test if the config loads or something else is thrown. */
export function configErrorFrom(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  }
  throw new Error('expected a ConfigError, but the config loaded');
}
