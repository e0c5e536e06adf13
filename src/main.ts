import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { startAgent, RunningAgent } from './agent-app';
import { loadAgentConfig } from './config/agent-config.loader';
import { ConfigError, EXIT_CODE_CONFIG_ERROR } from './config/config-error';

const EXIT_CODE_STARTUP_FAILED = 1;
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * ocserv-agent [--config PATH]
 * Config errors exit 2 before anything listens; SIGTERM/SIGINT stop gracefully and exit 0.
 */
async function main(): Promise<void> {
  let loaded: ReturnType<typeof loadAgentConfig>;
  try {
    loaded = loadAgentConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ocserv-agent: ${error.message}\n`);
      process.exit(EXIT_CODE_CONFIG_ERROR);
    }
    throw error;
  }

  let agent: RunningAgent;
  try {
    agent = await startAgent(loaded.config);
  } catch (error) {
    process.stderr.write(`ocserv-agent: failed to start: ${(error as Error).message}\n`);
    process.exit(EXIT_CODE_STARTUP_FAILED);
  }

  let stopping = false;
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (stopping) {
        return;
      }
      stopping = true;
      const logger = agent.app.get(Logger);
      logger.log({ msg: 'shutting down', signal, context: 'bootstrap' });
      agent.close().then(
        () => {
          logger.log({ msg: 'agent stopped', context: 'bootstrap' });
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`ocserv-agent: error during shutdown: ${(error as Error).message}\n`);
          process.exit(EXIT_CODE_STARTUP_FAILED);
        },
      );
    });
  }
}

void main();
