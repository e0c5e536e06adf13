import type { ValidateSessionResponse } from '../../../src/generated/vpn/v1/auth';
import type { SessionQuery, SessionVerdict } from '../../../src/portal/session-validator';

/** The question the agent asks the portal about alice's live session. */
export function aSessionQuery(overrides: Partial<SessionQuery> = {}): SessionQuery {
  return { username: 'alice', sessionId: 'sess-alice-1', clientIp: '198.51.100.7', ...overrides };
}

/** The portal letting the session stay. */
export function aValidSessionVerdict(): SessionVerdict {
  return { valid: true, invalidReason: '', forceDisconnect: false };
}

/** The portal revoking the session, shaped as the wire mapper produces it. */
export function anInvalidSessionVerdict(invalidReason = 'account revoked', overrides: Partial<SessionVerdict> = {}): SessionVerdict {
  return { valid: false, invalidReason, forceDisconnect: true, ...overrides };
}

/** A well-formed ValidateSession answer as it arrives on the wire. */
export function aValidateSessionResponse(overrides: Partial<ValidateSessionResponse> = {}): ValidateSessionResponse {
  return { valid: true, invalid_reason: '', force_disconnect: false, ...overrides };
}
