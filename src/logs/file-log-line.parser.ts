import { capFields } from './log-fields';

/** What a plain-text log line says about itself; `timeMs` undefined when it does not start with a timestamp. */
export interface FileLogLineParts {
  readonly timeMs: number | undefined;
  readonly message: string;
  readonly fields: Record<string, string>;
}

/** `2025-11-21T19:10:01`, optional fraction (`.` or `,`) and zone (`Z`, `+01:00`, `+0100`); a space may replace the T. */
const ISO_PREFIX = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?\s+/;
/** Classic syslog (RFC 3164): `Nov 21 19:10:01`, local time, no year. */
const SYSLOG_PREFIX = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})\s+/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `[host ]program[pid]: message`: syslog after its timestamp, and ocserv's own stderr (`ocserv[24328]: sec-mod: ...`). */
const PROGRAM_PREFIX = /^(?:(\S+) )?([\w.@/-]+)\[(\d+)\]: ?/;
/** A syslog date more than this far ahead of now belongs to last year (a December line read in January). */
const SYSLOG_FUTURE_TOLERANCE_MS = 24 * 3600 * 1000;

/** Splits a log file line into its leading timestamp (if any), program/pid fields (if any) and message. */
export function parseFileLogLine(line: string, nowMs: number): FileLogLineParts {
  const stamped = leadingTimestamp(line, nowMs);
  const rest = stamped === undefined ? line : line.slice(stamped.length);
  const program = PROGRAM_PREFIX.exec(rest);
  if (program === null) {
    return { timeMs: stamped?.timeMs, message: rest, fields: {} };
  }
  const [prefix, host, identifier, pid] = program;
  const fields: Array<[string, string]> = [
    ['SYSLOG_IDENTIFIER', identifier as string],
    ['_PID', pid as string],
  ];
  if (host !== undefined) fields.push(['_HOSTNAME', host]);
  return { timeMs: stamped?.timeMs, message: rest.slice(prefix.length), fields: capFields(fields) };
}

function leadingTimestamp(line: string, nowMs: number): { timeMs: number; length: number } | undefined {
  const iso = ISO_PREFIX.exec(line);
  if (iso !== null) {
    const [matched, date, time, fraction, zone] = iso;
    const millis = fraction === undefined ? '' : `.${fraction.padEnd(3, '0').slice(0, 3)}`;
    const offset = zone === undefined ? '' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    // Without a zone, Date.parse reads the time as local, which is what a local logger meant.
    const timeMs = Date.parse(`${date}T${time}${millis}${offset}`);
    return Number.isNaN(timeMs) ? undefined : { timeMs, length: matched.length };
  }
  const syslog = SYSLOG_PREFIX.exec(line);
  if (syslog !== null) {
    const [matched, month, day, hours, minutes, seconds] = syslog;
    const at = (year: number): number =>
      new Date(year, MONTHS.indexOf(month as string), Number(day), Number(hours), Number(minutes), Number(seconds)).getTime();
    const thisYear = new Date(nowMs).getFullYear();
    const timeMs = at(thisYear) > nowMs + SYSLOG_FUTURE_TOLERANCE_MS ? at(thisYear - 1) : at(thisYear);
    return { timeMs, length: matched.length };
  }
  return undefined;
}
