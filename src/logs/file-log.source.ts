import { Inject, Injectable } from '@nestjs/common';
import { defer, EMPTY, filter, map, Observable, switchMap } from 'rxjs';
import { Clock } from '../clock/clock';
import { AgentError } from '../errors/agent-error';
import { parseFileLogLine } from './file-log-line.parser';
import { isWithinQuery, LogLine, LogQuery } from './log-line';
import { LogFileProbe, LogFileState } from './log-file.probe';
import { LogProcessRunner } from './log-process.runner';
import { OCSERV_LOG_CONFIG, OcservLogConfig } from './ocserv-log.config';
import { StreamDemand, UNLIMITED_DEMAND } from './stream-demand';

/** coreutils tail, looked up in the runner's fixed PATH. */
const TAIL = 'tail';

/**
 * ocserv's log from a plain file (ocserv.log.source: file).
 *
 * Read with `tail -n +1 [-F] -- <file>` rather than fs polling: tail -F follows
 * the file by name through logrotate (rename + create, or copytruncate) using
 * inotify, and the runner already knows how to stop and reap a child.
 *
 * Times, and so start_time, follow one rule:
 * - a line starting with a timestamp (ISO 8601, or syslog `Nov 21 19:10:01` in
 *   local time, this year unless that is in the future) has that time;
 * - a line without one (a continuation, or any line of ocserv's own stderr,
 *   which has no timestamps) inherits the time of the last stamped line before it;
 * - before any stamped line it gets the time it was read. start_time cannot
 *   really filter such lines: the read time is after any past start_time.
 * One more use of the file: when its mtime is before start_time, nothing in it
 * can be newer, so the backlog is skipped (`-n 0`). That is what makes start_time
 * work for a timestamp-less stderr log.
 */
@Injectable()
export class FileLogSource {
  constructor(
    private readonly runner: LogProcessRunner,
    private readonly probe: LogFileProbe,
    private readonly clock: Clock,
    @Inject(OCSERV_LOG_CONFIG) private readonly config: OcservLogConfig,
  ) {}

  lines(query: LogQuery, demand: StreamDemand = UNLIMITED_DEMAND): Observable<LogLine> {
    return defer(() => this.checkedFile()).pipe(
      switchMap(({ path, mtimeMs }) => {
        const backlogIsOlder = query.sinceMs !== undefined && mtimeMs < query.sinceMs;
        if (backlogIsOlder && !query.follow) return EMPTY;
        return this.tail(path, backlogIsOlder, query, demand);
      }),
    );
  }

  private tail(path: string, skipBacklog: boolean, query: LogQuery, demand: StreamDemand): Observable<LogLine> {
    let lastStampMs: number | undefined;
    const args = ['-n', skipBacklog ? '0' : '+1', ...(query.follow ? ['-F'] : []), '--', path];
    return this.runner
      .lines({ path: TAIL, args, startFailureHint: ': coreutils tail is needed to read ocserv.log.file' }, demand)
      .pipe(
        map((raw): LogLine => {
          const parts = parseFileLogLine(raw, this.clock.nowMs());
          lastStampMs = parts.timeMs ?? lastStampMs;
          return {
            timeMs: lastStampMs ?? this.clock.nowMs(),
            level: 'info',
            source: 'ocserv',
            message: parts.message,
            fields: parts.fields,
          };
        }),
        filter((line) => isWithinQuery(line, query)),
      );
  }

  private async checkedFile(): Promise<{ path: string; mtimeMs: number }> {
    const path = this.config.file;
    if (path === undefined) {
      throw AgentError.unavailable('ocserv.log.source is "file" but ocserv.log.file is not set');
    }
    let state: LogFileState;
    try {
      state = await this.probe.probe(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw AgentError.unavailable(`cannot read the ocserv log file ${path} (${reason}); check ocserv.log.file`, { cause: error });
    }
    if (state.kind === 'missing') {
      throw AgentError.unavailable(
        `the ocserv log file ${path} does not exist; check ocserv.log.file, or set ocserv.log.source to "journald" if ocserv logs to the journal`,
      );
    }
    if (state.kind === 'not-a-file') {
      throw AgentError.unavailable(`the ocserv log file ${path} is not a regular file; check ocserv.log.file`);
    }
    return { path, mtimeMs: state.mtimeMs };
  }
}
