import { parseAgentLogLine } from '../../../src/logs/agent-log-line.parser';
import { MAX_LOG_FIELD_VALUE_BYTES, MAX_LOG_FIELDS } from '../../../src/logs/log-fields';
import { anAgentLogLine } from './log-fakes';

describe(parseAgentLogLine.name, () => {
  it('reads time, level and message from the envelope', () => {
    expect(parseAgentLogLine(anAgentLogLine({ level: 'warn', msg: 'disk full' }))).toEqual({
      timeMs: Date.UTC(2025, 0, 1),
      level: 'warn',
      source: 'agent',
      message: 'disk full',
      fields: {},
    });
  });

  it('turns the other keys into fields, leaving out service and agent_id', () => {
    const line = parseAgentLogLine(anAgentLogLine({ context: 'VpnSessionService', user: 'alice' }));

    expect(line?.fields).toEqual({ context: 'VpnSessionService', user: 'alice' });
  });

  it('writes non-string field values as JSON', () => {
    const line = parseAgentLogLine(anAgentLogLine({ count: 3, ok: true, req: { method: 'GET' }, none: null }));

    expect(line?.fields).toEqual({ count: '3', ok: 'true', req: '{"method":"GET"}', none: 'null' });
  });

  it(`keeps only the first ${MAX_LOG_FIELDS} fields`, () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));

    const fields = parseAgentLogLine(anAgentLogLine(many))?.fields ?? {};

    expect(Object.keys(fields)).toHaveLength(MAX_LOG_FIELDS);
    expect(fields.k0).toBe('0');
  });

  it(`cuts field values to ${MAX_LOG_FIELD_VALUE_BYTES} bytes without splitting a character`, () => {
    const fields = parseAgentLogLine(anAgentLogLine({ long: 'é'.repeat(MAX_LOG_FIELD_VALUE_BYTES) }))?.fields ?? {};

    expect(Buffer.byteLength(fields.long ?? '')).toBe(MAX_LOG_FIELD_VALUE_BYTES);
    expect(fields.long).toMatch(/^é+$/);
  });

  it('gives a line without msg an empty message', () => {
    expect(parseAgentLogLine(anAgentLogLine({ msg: undefined }))?.message).toBe('');
  });

  it.each([
    ['not JSON', 'ocserv-agent starting'],
    ['a JSON array', '[1,2]'],
    ['a line without time', JSON.stringify({ level: 'info', msg: 'x' })],
    ['a line with an unreadable time', JSON.stringify({ time: 'yesterday', level: 'info', msg: 'x' })],
  ])('skips %s', (_name, raw) => {
    expect(parseAgentLogLine(raw)).toBeUndefined();
  });
});
