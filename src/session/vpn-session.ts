/** One VPN session as the agent tracks it. Immutable: the store replaces, never mutates. */
export interface VpnSession {
  readonly sessionId: string;
  readonly username: string;
  readonly clientIp: string;
  /** Address inside the tunnel; empty when not known. */
  readonly vpnIp: string;
  /** Tunnel device (vpns0 ...); empty when not known. */
  readonly deviceId: string;
  readonly connectedAtMs: number;
  /** Last time anything confirmed the session; the TTL runs from here. */
  readonly updatedAtMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export type NewVpnSession = Omit<VpnSession, 'updatedAtMs'>;

/** Fields a later observation (events, reconciliation) may change. */
export type VpnSessionUpdate = Partial<Pick<VpnSession, 'vpnIp' | 'deviceId' | 'bytesIn' | 'bytesOut' | 'metadata'>>;

export interface SessionStoreStats {
  readonly sessions: number;
  readonly users: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Undefined when the store is empty. */
  readonly oldestConnectedAtMs: number | undefined;
  readonly capacity: number;
}
