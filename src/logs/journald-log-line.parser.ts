import { capFields, parseJsonObjectLine } from './log-fields';
import type { LogLine, LogSourceName } from './log-line';

/** Journal fields worth forwarding; the rest (_BOOT_ID, __CURSOR, ...) is noise for an operator. */
const FORWARDED_FIELDS = ['_PID', 'SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT'] as const;
/** journalctl -o json prints null for a field over 4096 bytes unless --all is given. */
const OMITTED_MESSAGE = '[message omitted by journalctl: larger than 4096 bytes]';

/** syslog priority (0 emerg .. 7 debug) to the agent's level names. */
export function journalPriorityLevel(priority: number): string {
  if (priority <= 3) return 'error';
  if (priority === 4) return 'warn';
  if (priority <= 6) return 'info';
  return 'debug';
}

/**
 * A journal field value as text. journalctl -o json writes text as a string,
 * binary data (invalid UTF-8, control characters) as an array of byte numbers,
 * and a field present several times as an array of such values.
 */
export function journalFieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.every((item) => Number.isInteger(item) && item >= 0 && item <= 255)) {
      return Buffer.from(value as number[]).toString('utf8');
    }
    const parts = value.map(journalFieldText).filter((part): part is string => part !== undefined);
    return parts.join('\n');
  }
  return undefined;
}

/** One line of `journalctl -o json`; undefined when it is not JSON or has no usable __REALTIME_TIMESTAMP. */
export function parseJournaldLine(raw: string, source: LogSourceName): LogLine | undefined {
  const entry = parseJsonObjectLine(raw);
  if (entry === undefined) return undefined;
  const realtime = journalFieldText(entry.__REALTIME_TIMESTAMP);
  if (realtime === undefined || !/^\d{1,20}$/.test(realtime)) return undefined;
  const priority = Number(journalFieldText(entry.PRIORITY));
  const fields = FORWARDED_FIELDS.flatMap((key) => {
    const text = journalFieldText(entry[key]);
    return text === undefined ? [] : [[key, text] as const];
  });
  return {
    // Microseconds as a string: divide before converting so large values stay exact.
    timeMs: Number(BigInt(realtime) / 1000n),
    level: Number.isInteger(priority) && priority >= 0 && priority <= 7 ? journalPriorityLevel(priority) : 'info',
    source,
    message: entry.MESSAGE === null ? OMITTED_MESSAGE : (journalFieldText(entry.MESSAGE) ?? ''),
    fields: capFields(fields),
  };
}
