import { parseFileLogLine } from '../../../src/logs/file-log-line.parser';

/** 2025-06-15 12:00 local time: "now" for every case. */
const NOW_MS = new Date(2025, 5, 15, 12, 0, 0).getTime();

describe(parseFileLogLine.name, () => {
  it.each([
    ['UTC with milliseconds', '2025-11-21T19:10:01.123Z started', Date.UTC(2025, 10, 21, 19, 10, 1, 123)],
    ['an offset', '2025-11-21T19:10:01+01:00 started', Date.UTC(2025, 10, 21, 18, 10, 1)],
    ['an offset without colon', '2025-11-21T19:10:01+0100 started', Date.UTC(2025, 10, 21, 18, 10, 1)],
    ['microseconds (rsyslog)', '2025-11-21T19:10:01.123456Z started', Date.UTC(2025, 10, 21, 19, 10, 1, 123)],
    ['a space and a comma', '2025-11-21 19:10:01,5Z started', Date.UTC(2025, 10, 21, 19, 10, 1, 500)],
    ['no zone (local time)', '2025-11-21T19:10:01 started', new Date(2025, 10, 21, 19, 10, 1).getTime()],
  ])('reads a leading ISO 8601 timestamp with %s', (_name, line, timeMs) => {
    expect(parseFileLogLine(line, NOW_MS)).toEqual({ timeMs, message: 'started', fields: {} });
  });

  it('reads a syslog timestamp as local time in the current year', () => {
    expect(parseFileLogLine('Jun  1 19:10:01 started', NOW_MS).timeMs).toBe(new Date(2025, 5, 1, 19, 10, 1).getTime());
  });

  it('puts a syslog timestamp that would be in the future into last year', () => {
    expect(parseFileLogLine('Dec 31 23:59:59 started', NOW_MS).timeMs).toBe(new Date(2024, 11, 31, 23, 59, 59).getTime());
  });

  it('splits host, program and pid off a syslog line', () => {
    expect(parseFileLogLine('Nov 21 19:10:01 vpn1 ocserv[24328]: sec-mod: user alice logged in', NOW_MS)).toMatchObject({
      message: 'sec-mod: user alice logged in',
      fields: { SYSLOG_IDENTIFIER: 'ocserv', _PID: '24328', _HOSTNAME: 'vpn1' },
    });
  });

  it('reads an ocserv stderr line as untimed, with program and pid', () => {
    expect(parseFileLogLine('ocserv[24328]: sec-mod: using default TLS priorities', NOW_MS)).toEqual({
      timeMs: undefined,
      message: 'sec-mod: using default TLS priorities',
      fields: { SYSLOG_IDENTIFIER: 'ocserv', _PID: '24328' },
    });
  });

  it('keeps a line without timestamp or program as the message', () => {
    expect(parseFileLogLine('  continuation of the line before', NOW_MS)).toEqual({
      timeMs: undefined,
      message: '  continuation of the line before',
      fields: {},
    });
  });

  it('does not take a date-like word inside the line for a timestamp', () => {
    expect(parseFileLogLine('note: Nov 21 19:10:01 was a Friday', NOW_MS).timeMs).toBeUndefined();
  });
});
