import { AgentError } from '../errors/agent-error';
import type { Timestamp } from '../generated/google/protobuf/timestamp';

const MAX_NANOS = 999_999_999;
/** 9999-12-31T23:59:59Z, the Timestamp spec's upper bound; it also keeps seconds * 1000 a safe integer. */
const MAX_SECONDS = 253_402_300_799;

/** An optional google.protobuf.Timestamp as epoch milliseconds; undefined when unset. */
export function timestampToMs(value: Timestamp | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  const { seconds, nanos } = value;
  if (
    !Number.isSafeInteger(seconds) ||
    seconds < 0 ||
    seconds > MAX_SECONDS ||
    !Number.isInteger(nanos) ||
    nanos < 0 ||
    nanos > MAX_NANOS
  ) {
    throw AgentError.invalidArgument(
      `${field} must be a timestamp between 1970-01-01 and 9999-12-31 with nanos in 0..${MAX_NANOS}`,
    );
  }
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}

export function msToTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  // Whole nanoseconds: the wire field is an int32, and a file's mtimeMs has a fraction.
  return { seconds, nanos: Math.floor((ms - seconds * 1000) * 1_000_000) };
}
