/** An order to end one session, given by the agent itself (revalidation, a portal answer). */
export interface SessionEndOrder {
  readonly sessionId: string;
  readonly username: string;
  readonly reason: 'ADMIN_FORCED' | 'POLICY_VIOLATION';
  readonly detail: string;
}

/**
 * Ends a session on ocserv: drops the user's cached decisions first (the cookie reconnect that
 * follows asks the portal), announces the intent (the end is reported with `reason`), then
 * `occtl disconnect id`. Resolves false when ocserv no longer has the session. Provided by
 * VpnModule (UserDisconnector); declared here so modules above the session layer can use it.
 */
export abstract class SessionTerminator {
  abstract end(order: SessionEndOrder): Promise<boolean>;
}
