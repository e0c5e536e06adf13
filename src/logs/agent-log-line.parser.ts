import { capFields, parseJsonObjectLine, truncateUtf8 } from './log-fields';
import type { LogLine } from './log-line';

/** Keys that are the line's envelope (or the same on every line), not its fields. */
const ENVELOPE_KEYS = new Set(['service', 'agent_id', 'time', 'level', 'msg']);
/** What a compacted over-long line keeps of its message. */
const MAX_COMPACTED_MESSAGE_BYTES = 8 * 1024;

/**
 * One line as the agent's pino writes it (logging.module.ts: ISO `time`, string
 * `level`, `msg`); undefined when it is not such a line.
 */
export function parseAgentLogLine(raw: string): LogLine | undefined {
  const record = parseJsonObjectLine(raw);
  if (record === undefined) return undefined;
  const timeMs = typeof record.time === 'string' ? Date.parse(record.time) : Number.NaN;
  if (Number.isNaN(timeMs)) return undefined;
  return {
    timeMs,
    level: typeof record.level === 'string' ? record.level : String(record.level ?? 'info'),
    source: 'agent',
    message: typeof record.msg === 'string' ? record.msg : '',
    fields: capFields(Object.entries(record).filter(([key]) => !ENVELOPE_KEYS.has(key))),
  };
}

/** An over-long line re-serialized with its fields capped as readers would see them; undefined when unparseable. */
export function compactAgentLogLine(raw: string): string | undefined {
  const line = parseAgentLogLine(raw);
  if (line === undefined) return undefined;
  return JSON.stringify({
    ...line.fields,
    time: new Date(line.timeMs).toISOString(),
    level: line.level,
    msg: truncateUtf8(line.message, MAX_COMPACTED_MESSAGE_BYTES),
  });
}
