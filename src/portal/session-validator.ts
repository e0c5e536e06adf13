/** What the agent asks about one live session (AuthService.ValidateSession, domain side). */
export interface SessionQuery {
  readonly username: string;
  readonly sessionId: string;
  readonly clientIp: string;
}

/** The portal's answer, validated: `valid` and `forceDisconnect` are false unless the portal said true. */
export interface SessionVerdict {
  readonly valid: boolean;
  /** The portal's words, at most 1024 characters (longer ones are clipped); empty when it gave none. */
  readonly invalidReason: string;
  readonly forceDisconnect: boolean;
}

/**
 * Asks the portal whether a session may stay. Rejects with a PortalFailure when
 * the portal fails, times out or cannot be reached; the revalidation policy
 * (revalidation.when_portal_unavailable) decides what that means for the session.
 */
export abstract class SessionValidator {
  abstract validate(query: SessionQuery, timeoutMs: number): Promise<SessionVerdict>;
}
