import { toHealthTier, toLogQuery } from '../../../src/agent/agent-wire.mapper';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { agentErrorFrom } from '../builders/caught-error';

describe(toHealthTier.name, () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 3],
    [0, 3],
  ])('tier %i checks tier %i (0, unset, checks everything)', (tier, expected) => {
    expect(toHealthTier({ tier })).toBe(expected);
  });

  it.each([-1, 4, 2 ** 31 - 1])('refuses tier %i', (tier) => {
    expect(agentErrorFrom(() => toHealthTier({ tier })).code).toBe(AgentErrorCode.InvalidArgument);
  });
});

describe(toLogQuery.name, () => {
  it('maps source, start_time and follow', () => {
    expect(toLogQuery({ log_source: 'ocserv', start_time: { seconds: 1_700_000_000, nanos: 5_000_000 }, follow: true })).toEqual({
      source: 'ocserv',
      sinceMs: 1_700_000_000_005,
      follow: true,
    });
  });

  it('reads an empty source as the agent log', () => {
    expect(toLogQuery({ log_source: '', start_time: undefined, follow: false }).source).toBe('agent');
  });

  it.each(['journal', '../etc/passwd', 'AGENT', 'x'.repeat(10_000)])('refuses source %j', (source) => {
    const error = agentErrorFrom(() => toLogQuery({ log_source: source, start_time: undefined, follow: false }));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message.length).toBeLessThan(200);
  });

  it('refuses a start_time with nanos out of range', () => {
    const error = agentErrorFrom(() => toLogQuery({ log_source: 'agent', start_time: { seconds: 1, nanos: -1 }, follow: false }));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
  });
});
