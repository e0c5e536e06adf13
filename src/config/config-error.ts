/**
 * The configuration cannot be used. Thrown only at boot, before anything listens;
 * main.ts prints `problems` and exits with EXIT_CODE_CONFIG_ERROR.
 */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration (${source}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Exit code for a configuration the agent refuses to start with (systemd: do not restart-loop on it). */
export const EXIT_CODE_CONFIG_ERROR = 2;
