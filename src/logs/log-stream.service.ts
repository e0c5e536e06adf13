import { Inject, Injectable } from '@nestjs/common';
import { defer, finalize, Observable } from 'rxjs';
import { AgentError } from '../errors/agent-error';
import { AgentLogSource } from './agent-log.source';
import { FileLogSource } from './file-log.source';
import { JournaldLogSource } from './journald-log.source';
import { LOG_SOURCE_NAMES, LogLine, LogQuery, LogSourceName } from './log-line';
import { OCSERV_LOG_CONFIG, OcservLogConfig } from './ocserv-log.config';
import { StreamDemand, UNLIMITED_DEMAND } from './stream-demand';

export type { LogLine, LogQuery } from './log-line';

/**
 * StreamLogs' domain side: picks the source for a query. Nothing starts until
 * subscription, every failure (bad query, missing journalctl or file, too many
 * streams) arrives as an AgentError through the observable before any line,
 * and unsubscribing releases what the source holds (ring cursor, child process)
 * and the stream's slot. At most `log.max_streams_per_source` streams per source
 * are open at once: each one that does not read holds a bounded amount of
 * memory (see the sources), and this bounds how many there are.
 */
@Injectable()
export class LogStreamService {
  private readonly open = new Map<LogSourceName, number>(LOG_SOURCE_NAMES.map((name) => [name, 0]));

  constructor(
    private readonly agent: AgentLogSource,
    private readonly journald: JournaldLogSource,
    private readonly file: FileLogSource,
    @Inject(OCSERV_LOG_CONFIG) private readonly config: OcservLogConfig,
  ) {}

  /** Streams open now, per source (tests and metrics). */
  openStreams(source: LogSourceName): number {
    return this.open.get(source) ?? 0;
  }

  stream(query: LogQuery, demand: StreamDemand = UNLIMITED_DEMAND): Observable<LogLine> {
    return defer(() => {
      if (query.sinceMs !== undefined && !Number.isFinite(query.sinceMs)) {
        throw AgentError.invalidArgument(`start time must be a finite number of milliseconds, got ${query.sinceMs}`);
      }
      const lines = this.sourceLines(query, demand);
      const source = query.source;
      const open = this.openStreams(source);
      if (open >= this.config.max_streams_per_source) {
        throw AgentError.resourceExhausted(
          `${open} ${source} log streams are open (log.max_streams_per_source); close one or try again later`,
        );
      }
      this.open.set(source, open + 1);
      return lines.pipe(finalize(() => this.open.set(source, this.openStreams(source) - 1)));
    });
  }

  private sourceLines(query: LogQuery, demand: StreamDemand): Observable<LogLine> {
    const source: string = query.source;
    switch (query.source) {
      case 'agent':
        return this.agent.lines(query, demand);
      case 'ocserv':
        return this.config.source === 'file' ? this.file.lines(query, demand) : this.journald.lines('ocserv', query, demand);
      case 'system':
        return this.journald.lines('system', query, demand);
      default:
        throw AgentError.invalidArgument(
          `log source must be one of ${LOG_SOURCE_NAMES.join(', ')}; got ${JSON.stringify(source.slice(0, 64))}`,
        );
    }
  }
}
