import { Global, Module } from '@nestjs/common';
import { AgentLogRing } from '../logs/agent-log-ring';

/**
 * Holds the one AgentLogRing: LoggingModule's pino factory writes into it and
 * LogsModule reads from it. Global so any reader can inject it; importing it
 * explicitly (as both do) still yields the same instance.
 */
@Global()
@Module({
  providers: [AgentLogRing],
  exports: [AgentLogRing],
})
export class LogRingModule {}
