import { ConfigError } from '../config/config-error';

/**
 * A policy file that cannot be used. A ConfigError, so a policy named by the
 * agent's config fails the boot like any other bad setting (exit code 2).
 */
export class PolicyFileError extends ConfigError {
  constructor(source: string, problems: readonly string[]) {
    super(source, problems);
    this.name = 'PolicyFileError';
    this.message = `invalid policy file (${source}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
  }
}
