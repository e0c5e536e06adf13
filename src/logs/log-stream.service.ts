import { Inject, Injectable } from '@nestjs/common';
import { defer, Observable } from 'rxjs';
import { AgentError } from '../errors/agent-error';
import { AgentLogSource } from './agent-log.source';
import { FileLogSource } from './file-log.source';
import { JournaldLogSource } from './journald-log.source';
import { LOG_SOURCE_NAMES, LogLine, LogQuery } from './log-line';
import { OCSERV_LOG_CONFIG, OcservLogConfig } from './ocserv-log.config';

export type { LogLine, LogQuery } from './log-line';

/**
 * StreamLogs' domain side: picks the source for a query. Nothing starts until
 * subscription, every failure (bad query, missing journalctl or file) arrives as
 * an AgentError through the observable before any line, and unsubscribing
 * releases what the source holds (ring listener, child process).
 */
@Injectable()
export class LogStreamService {
  constructor(
    private readonly agent: AgentLogSource,
    private readonly journald: JournaldLogSource,
    private readonly file: FileLogSource,
    @Inject(OCSERV_LOG_CONFIG) private readonly config: OcservLogConfig,
  ) {}

  stream(query: LogQuery): Observable<LogLine> {
    return defer(() => {
      if (query.sinceMs !== undefined && !Number.isFinite(query.sinceMs)) {
        throw AgentError.invalidArgument(`start time must be a finite number of milliseconds, got ${query.sinceMs}`);
      }
      const source: string = query.source;
      switch (query.source) {
        case 'agent':
          return this.agent.lines(query);
        case 'ocserv':
          return this.config.source === 'file' ? this.file.lines(query) : this.journald.lines('ocserv', query);
        case 'system':
          return this.journald.lines('system', query);
        default:
          throw AgentError.invalidArgument(
            `log source must be one of ${LOG_SOURCE_NAMES.join(', ')}; got ${JSON.stringify(source.slice(0, 64))}`,
          );
      }
    });
  }
}
