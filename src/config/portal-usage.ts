import type { AgentConfig } from './agent-config.schema';

/** Modes that ask the portal's AuthService: CheckPolicy at login, ValidateSession on an interval. */
export function asksPortalAuthService(config: Pick<AgentConfig, 'authorization' | 'revalidation'>): boolean {
  return config.authorization.mode === 'portal' || config.revalidation.enabled;
}

/** Anything that connects to the portal: its AuthService, or its EventService (events.enabled). */
export function callsPortal(config: Pick<AgentConfig, 'authorization' | 'revalidation' | 'events'>): boolean {
  return asksPortalAuthService(config) || config.events.enabled;
}
