import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import { LogRingModule } from '../logging/log-ring.module';
import { AgentLogSource } from './agent-log.source';
import { FileLogSource } from './file-log.source';
import { JournaldLogSource } from './journald-log.source';
import { LogFileProbe } from './log-file.probe';
import { LogProcessRunner } from './log-process.runner';
import { LogStreamService } from './log-stream.service';
import { OCSERV_LOG_CONFIG, OcservLogConfig } from './ocserv-log.config';

/**
 * Log streaming (agent.v1 StreamLogs): the agent's ring, ocserv's log and the
 * system journal. LogRingModule is the same instance LoggingModule feeds.
 */
@Module({
  imports: [LogRingModule],
  providers: [
    {
      provide: OCSERV_LOG_CONFIG,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AgentConfig, true>): OcservLogConfig => {
        const ocserv = config.get('ocserv', { infer: true });
        const { log } = ocserv;
        return {
          source: log.source,
          unit: log.unit,
          file: log.file,
          journalctl_path: log.journalctl_path,
          setpriv_path: ocserv.setpriv_path,
          max_streams_per_source: config.get('log', { infer: true }).max_streams_per_source,
        };
      },
    },
    LogProcessRunner,
    LogFileProbe,
    AgentLogSource,
    JournaldLogSource,
    FileLogSource,
    LogStreamService,
  ],
  exports: [LogStreamService],
})
export class LogsModule {}
