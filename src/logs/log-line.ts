/** The sources StreamLogs can read, as named on the wire (agent.v1 LogStreamRequest.log_source). */
export const LOG_SOURCE_NAMES = ['agent', 'ocserv', 'system'] as const;

export type LogSourceName = (typeof LOG_SOURCE_NAMES)[number];

export interface LogQuery {
  readonly source: LogSourceName;
  /** Only lines at or after this time (epoch ms); undefined means the whole backlog. */
  readonly sinceMs: number | undefined;
  /** After the backlog, keep delivering new lines until the subscriber unsubscribes. */
  readonly follow: boolean;
}

export interface LogLine {
  /** Epoch milliseconds, an integer. */
  readonly timeMs: number;
  /** 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' for the sources this agent reads. */
  readonly level: string;
  readonly source: LogSourceName;
  readonly message: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Whether `line` passes the query's start time. */
export function isWithinQuery(line: LogLine, query: LogQuery): boolean {
  return query.sinceMs === undefined || line.timeMs >= query.sinceMs;
}
