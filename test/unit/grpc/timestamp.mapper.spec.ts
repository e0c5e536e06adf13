import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { msToTimestamp, timestampToMs } from '../../../src/grpc/timestamp.mapper';
import { agentErrorFrom } from '../builders/caught-error';

/** 9999-12-31T23:59:59Z, the largest seconds value google.protobuf.Timestamp allows. */
const TIMESTAMP_MAX_SECONDS = 253_402_300_799;

describe('timestamp.mapper', () => {
  describe(timestampToMs.name, () => {
    it.each([null, undefined])('treats %p as unset', (value) => {
      expect(timestampToMs(value, 'connect_time')).toBeUndefined();
    });

    it('converts seconds and nanos to milliseconds, dropping sub-millisecond nanos', () => {
      expect(timestampToMs({ seconds: 1_735_689_600, nanos: 123_999_999 }, 'connect_time')).toBe(1_735_689_600_123);
    });

    it('accepts the epoch itself', () => {
      expect(timestampToMs({ seconds: 0, nanos: 0 }, 'connect_time')).toBe(0);
    });

    it('accepts the largest protobuf timestamp', () => {
      expect(timestampToMs({ seconds: TIMESTAMP_MAX_SECONDS, nanos: 999_999_999 }, 'connect_time')).toBe(
        TIMESTAMP_MAX_SECONDS * 1000 + 999,
      );
    });

    it.each([
      ['negative seconds', { seconds: -1, nanos: 0 }],
      ['negative nanos', { seconds: 1, nanos: -1 }],
      ['nanos of a whole second', { seconds: 1, nanos: 1_000_000_000 }],
      ['fractional nanos', { seconds: 1, nanos: 0.5 }],
      ['fractional seconds', { seconds: 1.5, nanos: 0 }],
      ['NaN seconds', { seconds: Number.NaN, nanos: 0 }],
      ['infinite seconds', { seconds: Number.POSITIVE_INFINITY, nanos: 0 }],
      ['seconds beyond a safe integer', { seconds: 2 ** 53, nanos: 0 }],
      ['seconds after 9999-12-31', { seconds: TIMESTAMP_MAX_SECONDS + 1, nanos: 0 }],
      ['the largest safe integer as seconds', { seconds: Number.MAX_SAFE_INTEGER, nanos: 0 }],
    ])('refuses %s with INVALID_ARGUMENT naming the field', (_, value) => {
      const error = agentErrorFrom(() => timestampToMs(value, 'connect_time'));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toMatch(/^connect_time must be a timestamp /);
    });
  });

  describe(msToTimestamp.name, () => {
    it('splits milliseconds into seconds and nanos', () => {
      expect(msToTimestamp(1_735_689_600_123)).toEqual({ seconds: 1_735_689_600, nanos: 123_000_000 });
    });

    it('gives whole nanos for a fractional millisecond (a file mtime), as the int32 field needs', () => {
      expect(Number.isInteger(msToTimestamp(1_700_000_000_123.456789).nanos)).toBe(true);
    });

    it('keeps nanos non-negative before the epoch, as the Timestamp spec requires', () => {
      expect(msToTimestamp(-1)).toEqual({ seconds: -1, nanos: 999_000_000 });
    });

    it.each([0, 1, 999, 1000, 1_735_689_600_123, TIMESTAMP_MAX_SECONDS * 1000 + 999])('round-trips %d ms', (ms) => {
      expect(timestampToMs(msToTimestamp(ms), 'connected_at')).toBe(ms);
    });
  });
});
