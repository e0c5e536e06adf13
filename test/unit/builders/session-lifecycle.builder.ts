import type { SessionEndIntent, SessionEndReport, SessionStart } from '../../../src/session/session-lifecycle';
import { FAKE_CLOCK_START_MS } from './fake-clock';
import { aVpnSession } from './vpn-session.builder';

/** The hook's connect of the default session (aVpnSession); override only what the test is about. */
export function aSessionStart(overrides: Partial<SessionStart> = {}): SessionStart {
  return { session: aVpnSession(), groupname: 'staff', source: 'hook', ...overrides };
}

/**
 * One report that the default session ended a minute after its connect: the disconnect-script's,
 * with no reason (ocserv gives the script none) and no counters. Add what the reporter knew.
 */
export function aSessionEnd(overrides: Partial<SessionEndReport> = {}): SessionEndReport {
  return { sessionId: 'sess-alice-1', username: 'alice', source: 'hook', atMs: FAKE_CLOCK_START_MS + 60_000, ...overrides };
}

/** The agent announcing it is about to end the default session (DisconnectUser). */
export function anEndIntent(overrides: Partial<SessionEndIntent> = {}): SessionEndIntent {
  return { sessionId: 'sess-alice-1', username: 'alice', reason: 'ADMIN_FORCED', detail: 'DisconnectUser: maintenance', ...overrides };
}
