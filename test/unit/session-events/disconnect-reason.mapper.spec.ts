import { isUndecided, mapDisconnectReason, reasonOfOcservText } from '../../../src/session-events/disconnect-reason.mapper';

describe(mapDisconnectReason.name, () => {
  // Every text of ocserv's discon_reason_to_str() (src/common/common.c, 1.1.6 to 1.5.0).
  it.each([
    ['user disconnected', 'USER_INITIATED'],
    ['anyconnect client disconnected', 'USER_INITIATED'],
    ['idle timeout', 'IDLE_TIMEOUT'],
    ['session timeout', 'SESSION_LIMIT'],
    ['DPD timeout', 'CONNECTION_ERROR'],
    ['unspecified error', 'CONNECTION_ERROR'],
    ['server disconnected', 'UNSPECIFIED'],
    ['unspecified', 'UNSPECIFIED'],
    ['TCP health probe', 'UNSPECIFIED'],
    ['unknown', 'UNSPECIFIED'],
    ['unknown (42)', 'UNSPECIFIED'],
  ])('ocserv text %j alone -> %s', (text, expected) => {
    expect(reasonOfOcservText(text)).toBe(expected);
    expect(mapDisconnectReason({ ocservReason: text }).reason).toBe(expected);
  });

  it("gives the agent's own intent precedence over what ocserv says", () => {
    expect(mapDisconnectReason({ intent: 'ADMIN_FORCED', ocservReason: 'server disconnected' })).toEqual({ reason: 'ADMIN_FORCED', source: 'agent' });
    expect(mapDisconnectReason({ intent: 'POLICY_VIOLATION', ocservReason: 'user disconnected' }).reason).toBe('POLICY_VIOLATION');
  });

  it('attributes an undecided end to a stopping ocserv, never a decisive one', () => {
    expect(mapDisconnectReason({ ocservReason: 'unknown', ocservStopped: true })).toEqual({ reason: 'SERVER_SHUTDOWN', source: 'ocserv-stopped' });
    expect(mapDisconnectReason({ ocservReason: 'server disconnected', ocservStopped: true }).reason).toBe('SERVER_SHUTDOWN');
    expect(mapDisconnectReason({ ocservReason: 'idle timeout', ocservStopped: true }).reason).toBe('IDLE_TIMEOUT');
  });

  it('reports a session gone with an ocserv restart as SERVER_SHUTDOWN', () => {
    expect(mapDisconnectReason({ ocservRestarted: true })).toEqual({ reason: 'SERVER_SHUTDOWN', source: 'ocserv-restarted' });
  });

  it('says UNSPECIFIED when nothing is known, naming where it looked', () => {
    expect(mapDisconnectReason({})).toEqual({ reason: 'UNSPECIFIED', source: 'none' });
    expect(mapDisconnectReason({ endedWhileAgentDown: true })).toEqual({ reason: 'UNSPECIFIED', source: 'ended-while-agent-down' });
  });

  it('tells which ends a stopping ocserv may still explain', () => {
    expect(isUndecided({ ocservReason: 'unknown' })).toBe(true);
    expect(isUndecided({})).toBe(true);
    expect(isUndecided({ ocservReason: 'user disconnected' })).toBe(false);
    expect(isUndecided({ intent: 'ADMIN_FORCED' })).toBe(false);
    expect(isUndecided({ endedWhileAgentDown: true })).toBe(false);
  });
});
