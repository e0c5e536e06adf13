import { journalPriorityLevel, parseJournaldLine } from '../../../src/logs/journald-log-line.parser';

/** One `journalctl -o json` line; 1732216201123456 us is 2024-11-21T19:10:01.123456Z. */
function aJournalLine(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    __REALTIME_TIMESTAMP: '1732216201123456',
    __CURSOR: 's=abc',
    PRIORITY: '6',
    MESSAGE: 'sec-mod: user alice logged in',
    _PID: '24328',
    SYSLOG_IDENTIFIER: 'ocserv',
    _SYSTEMD_UNIT: 'ocserv.service',
    _BOOT_ID: 'b00t',
    ...overrides,
  });
}

describe(parseJournaldLine.name, () => {
  it('reads a text entry: time in ms, level from PRIORITY, message and the forwarded fields', () => {
    expect(parseJournaldLine(aJournalLine(), 'ocserv')).toEqual({
      timeMs: 1732216201123,
      level: 'info',
      source: 'ocserv',
      message: 'sec-mod: user alice logged in',
      fields: { _PID: '24328', SYSLOG_IDENTIFIER: 'ocserv', _SYSTEMD_UNIT: 'ocserv.service' },
    });
  });

  it('decodes a binary MESSAGE given as an array of bytes as UTF-8', () => {
    const message = [...Buffer.from('caf\u00e9\u001b[0m', 'utf8')];

    expect(parseJournaldLine(aJournalLine({ MESSAGE: message }), 'system')?.message).toBe('caf\u00e9\u001b[0m');
  });

  it('joins a field present several times', () => {
    expect(parseJournaldLine(aJournalLine({ MESSAGE: ['one', 'two'] }), 'system')?.message).toBe('one\ntwo');
  });

  it('says so when journalctl left out an over-large MESSAGE', () => {
    expect(parseJournaldLine(aJournalLine({ MESSAGE: null }), 'system')?.message).toContain('larger than 4096 bytes');
  });

  it('leaves out forwarded fields the entry does not have', () => {
    const line = parseJournaldLine(aJournalLine({ _SYSTEMD_UNIT: undefined, SYSLOG_IDENTIFIER: undefined }), 'system');

    expect(line?.fields).toEqual({ _PID: '24328' });
  });

  it('treats an entry without PRIORITY as info', () => {
    expect(parseJournaldLine(aJournalLine({ PRIORITY: undefined }), 'system')?.level).toBe('info');
  });

  it.each([
    ['bad JSON', '{"MESSAGE": '],
    ['a JSON value that is not an object', '"text"'],
    ['an entry without __REALTIME_TIMESTAMP', aJournalLine({ __REALTIME_TIMESTAMP: undefined })],
    ['an entry whose __REALTIME_TIMESTAMP is not a number', aJournalLine({ __REALTIME_TIMESTAMP: 'soon' })],
  ])('skips %s', (_name, raw) => {
    expect(parseJournaldLine(raw, 'ocserv')).toBeUndefined();
  });
});

describe(journalPriorityLevel.name, () => {
  it.each([
    [0, 'error'],
    [3, 'error'],
    [4, 'warn'],
    [5, 'info'],
    [6, 'info'],
    [7, 'debug'],
  ])('maps priority %i to %s', (priority, level) => {
    expect(journalPriorityLevel(priority)).toBe(level);
  });
});
