import { Inject, Injectable, Logger } from '@nestjs/common';
import { filter, finalize, map, Observable } from 'rxjs';
import { parseJournaldLine } from './journald-log-line.parser';
import { isWithinQuery, LogLine, LogQuery } from './log-line';
import { LogProcessRunner } from './log-process.runner';
import { OCSERV_LOG_CONFIG, OcservLogConfig } from './ocserv-log.config';
import { StreamDemand, UNLIMITED_DEMAND } from './stream-demand';

/** journald-backed sources: ocserv's unit, or the whole system journal. */
export type JournaldSourceName = 'ocserv' | 'system';

/** journalctl's arguments for one query; `unit` undefined reads the whole journal. */
export function journalctlArgs(unit: string | undefined, query: LogQuery): string[] {
  return [
    ...(unit === undefined ? [] : ['-u', unit]),
    '-o',
    'json',
    '--no-pager',
    // journalctl takes whole seconds; rounding down and filtering each line keeps millisecond precision.
    ...(query.sinceMs === undefined ? [] : ['--since', `@${Math.floor(query.sinceMs / 1000)}`]),
    ...(query.follow ? ['-f'] : []),
  ];
}

/** Reads the journal through `journalctl -o json` (ocserv.log.source: journald, and always for the system source). */
@Injectable()
export class JournaldLogSource {
  private readonly logger = new Logger(JournaldLogSource.name);
  private skipped = 0;

  constructor(
    private readonly runner: LogProcessRunner,
    @Inject(OCSERV_LOG_CONFIG) private readonly config: OcservLogConfig,
  ) {}

  /** journalctl lines that were not journal entries, since start (all streams). */
  get skippedLineCount(): number {
    return this.skipped;
  }

  lines(source: JournaldSourceName, query: LogQuery, demand: StreamDemand = UNLIMITED_DEMAND): Observable<LogLine> {
    const unit = source === 'ocserv' ? this.config.unit : undefined;
    let skippedHere = 0;
    return this.runner
      .lines({
        path: this.config.journalctl_path,
        args: journalctlArgs(unit, query),
        startFailureHint: startFailureHint(source),
      }, demand)
      .pipe(
        map((raw) => parseJournaldLine(raw, source)),
        filter((line): line is LogLine => {
          if (line !== undefined) return isWithinQuery(line, query);
          skippedHere += 1;
          this.skipped += 1;
          return false;
        }),
        finalize(() => {
          // Once per stream, not per line: the agent's own log may be what is being streamed.
          if (skippedHere > 0) this.logger.warn({ msg: 'journalctl lines skipped as unparseable', source, skipped: skippedHere });
        }),
      );
  }
}

function startFailureHint(source: JournaldSourceName): string {
  return source === 'ocserv'
    ? ': is systemd-journald available? Check ocserv.log.journalctl_path, or set ocserv.log.source to "file" and ocserv.log.file when ocserv logs to a file'
    : ': the system log is read from journald; check ocserv.log.journalctl_path';
}
