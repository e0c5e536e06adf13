import { AgentError } from '../errors/agent-error';
import { SessionTerminator, type SessionEndOrder } from '../session/session-terminator';

/**
 * TODO(issue 11): VpnModule is to provide SessionTerminator (UserDisconnector: drop the
 * user's cached decisions, announce the intent, `occtl disconnect id`) and export it;
 * then RevalidationModule imports VpnModule and this class goes. Until then the agent
 * boots with revalidation on, and a session the portal revokes is logged and counted
 * (ocserv_agent_revalidation_session_end_failures_total) but stays connected.
 */
export class UnprovidedSessionTerminator extends SessionTerminator {
  end(_order: SessionEndOrder): Promise<never> {
    return Promise.reject(AgentError.notImplemented('ending a session from inside the agent is not provided yet (SessionTerminator)'));
  }
}
