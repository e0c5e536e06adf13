import { PolicyFileError } from '../../../src/policy/policy-file.error';

/** The PolicyFileError `action` throws; fails the test if it throws nothing or something else. */
export function policyErrorFrom(action: () => unknown): PolicyFileError {
  try {
    action();
  } catch (error) {
    if (error instanceof PolicyFileError) {
      return error;
    }
    throw new Error(`expected a PolicyFileError, got ${String(error)}`);
  }
  throw new Error('expected a PolicyFileError, but the policy loaded');
}
