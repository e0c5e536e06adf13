import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import { fitMetadata, metadataHeapBytes } from './session-metadata.budget';
import { NewVpnSession, SessionStoreStats, VpnSession, VpnSessionUpdate } from './vpn-session';

/**
 * In-memory sessions indexed by session id and by username. Entries expire
 * `session.ttl_seconds` after they were last confirmed: expired entries are
 * invisible to every read (which purges them) and SessionCleanupJob purges them
 * on an interval when nobody reads. The store holds
 * at most `session.max_sessions`; past that, add() fails instead of growing.
 * Metadata is bounded in heap bytes too (session-metadata.budget.ts): at most
 * `session.max_metadata_bytes` per session (INVALID_ARGUMENT) and
 * `session.max_total_metadata_bytes` in all (RESOURCE_EXHAUSTED); a refused write
 * changes nothing. Writers of informational metadata cut it with fitMetadata() first.
 */
@Injectable()
export class SessionStore {
  private readonly byId = new Map<string, VpnSession>();
  private readonly idsByUsername = new Map<string, Set<string>>();
  /**
   * No stored session was confirmed before this time (a lower bound, exact after
   * each full scan). While it is younger than the TTL nothing can have expired,
   * so reads skip the per-session check: listing 10,000 sessions drops from
   * ~4 ms to well under 1 ms.
   */
  private oldestUpdatedAtMs = Number.POSITIVE_INFINITY;
  private readonly ttlMs: number;
  /** Most sessions the store holds (session.max_sessions). */
  readonly capacity: number;
  private readonly maxMetadataBytes: number;
  private readonly maxTotalMetadataBytes: number;
  /** metadataHeapBytes of each stored session, and their sum. */
  private readonly metadataBytesById = new Map<string, number>();
  private totalMetadataBytes = 0;

  constructor(
    private readonly clock: Clock,
    config: ConfigService<AgentConfig, true>,
  ) {
    const session = config.get('session', { infer: true });
    this.ttlMs = session.ttl_seconds * 1000;
    this.capacity = session.max_sessions;
    this.maxMetadataBytes = session.max_metadata_bytes;
    this.maxTotalMetadataBytes = session.max_total_metadata_bytes;
  }

  /** Metadata bytes held by every stored session (expired ones included until purged). */
  get metadataBytes(): number {
    return this.totalMetadataBytes;
  }

  /**
   * Throws what a write of `metadata` for `sessionId` would throw, storing nothing: lets a
   * caller refuse before it does the work (asking the portal) whose result it could not keep.
   */
  assertRoomForMetadata(sessionId: string, metadata: Readonly<Record<string, string>>): void {
    this.checkMetadata(sessionId, metadataHeapBytes(metadata));
  }

  /** `metadata` cut to what this session may hold now (its budget and what is left in total). */
  fitMetadata(sessionId: string, metadata: Readonly<Record<string, string>>): Record<string, string> {
    return fitMetadata(metadata, Math.max(0, Math.min(this.maxMetadataBytes, this.metadataRoomFor(sessionId))));
  }

  /** Adds a new session; fails if a live session already has this id or the store is full. */
  add(session: NewVpnSession): VpnSession {
    if (this.get(session.sessionId) !== undefined) {
      throw AgentError.failedPrecondition(`session ${session.sessionId} is already tracked`);
    }
    return this.insert(session);
  }

  /** Stores a session whose id is known not to be tracked. */
  private insert(session: NewVpnSession): VpnSession {
    if (this.byId.size >= this.capacity && this.removeExpired() === 0) {
      throw AgentError.resourceExhausted(
        `session store is full: ${this.capacity} sessions (session.max_sessions); new sessions are refused until some end`,
      );
    }
    const stored = this.replace({ ...session, updatedAtMs: this.clock.nowMs() });
    this.indexUsername(stored.username, stored.sessionId);
    return stored;
  }

  /**
   * Adds the session, or refreshes it when the id is already tracked (a repeated
   * notification, a retry): the first connect time and the byte counters stay,
   * the rest comes from `session`, and the TTL restarts.
   */
  upsert(session: NewVpnSession): VpnSession {
    const existing = this.get(session.sessionId);
    if (existing === undefined) {
      return this.insert(session);
    }
    if (existing.username !== session.username) {
      throw AgentError.failedPrecondition(
        `session ${session.sessionId} belongs to another user; disconnect it before reusing the id`,
      );
    }
    return this.replace({
      ...session,
      connectedAtMs: existing.connectedAtMs,
      bytesIn: existing.bytesIn,
      bytesOut: existing.bytesOut,
      updatedAtMs: this.clock.nowMs(),
    });
  }

  get(sessionId: string): VpnSession | undefined {
    const session = this.byId.get(sessionId);
    if (session !== undefined && this.isExpired(session)) {
      this.delete(session);
      return undefined;
    }
    return session;
  }

  /** Applies a later observation and restarts the TTL. */
  update(sessionId: string, changes: VpnSessionUpdate): VpnSession {
    const existing = this.get(sessionId);
    if (existing === undefined) {
      throw AgentError.notFound(`session ${sessionId} is not tracked`);
    }
    return this.replace({ ...existing, ...changes, updatedAtMs: this.clock.nowMs() });
  }

  /** Removes the session and returns what was stored, or undefined if it was not tracked. */
  remove(sessionId: string): VpnSession | undefined {
    const session = this.get(sessionId);
    if (session !== undefined) {
      this.delete(session);
    }
    return session;
  }

  /** Live sessions, oldest first. */
  list(): VpnSession[] {
    return this.live([...this.byId.values()]);
  }

  listByUsername(username: string): VpnSession[] {
    const ids = this.idsByUsername.get(username);
    if (ids === undefined) {
      return [];
    }
    return this.live([...ids].map((id) => this.byId.get(id)).filter((s): s is VpnSession => s !== undefined));
  }

  count(): number {
    this.removeExpired();
    return this.byId.size;
  }

  stats(): SessionStoreStats {
    const sessions = this.list();
    let bytesIn = 0;
    let bytesOut = 0;
    let oldestConnectedAtMs: number | undefined;
    const users = new Set<string>();
    for (const session of sessions) {
      bytesIn += session.bytesIn;
      bytesOut += session.bytesOut;
      users.add(session.username);
      if (oldestConnectedAtMs === undefined || session.connectedAtMs < oldestConnectedAtMs) {
        oldestConnectedAtMs = session.connectedAtMs;
      }
    }
    return { sessions: sessions.length, users: users.size, bytesIn, bytesOut, oldestConnectedAtMs, capacity: this.capacity };
  }

  /** Purges expired entries; returns how many went. */
  removeExpired(): number {
    const nowMs = this.clock.nowMs();
    if (nowMs - this.oldestUpdatedAtMs < this.ttlMs) {
      return 0;
    }
    let removed = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const session of this.byId.values()) {
      if (this.isExpired(session, nowMs)) {
        this.delete(session);
        removed += 1;
      } else if (session.updatedAtMs < oldest) {
        oldest = session.updatedAtMs;
      }
    }
    this.oldestUpdatedAtMs = oldest;
    return removed;
  }

  /** `sessions` without the expired ones; any expired session in the store is purged on the way. */
  private live(sessions: VpnSession[]): VpnSession[] {
    if (this.removeExpired() === 0) {
      return sessions;
    }
    return sessions.filter((session) => this.byId.get(session.sessionId) === session);
  }

  private replace(session: VpnSession): VpnSession {
    const metadataBytes = metadataHeapBytes(session.metadata);
    this.checkMetadata(session.sessionId, metadataBytes);
    const stored = Object.freeze({ ...session, metadata: Object.freeze({ ...session.metadata }) });
    this.byId.set(stored.sessionId, stored);
    this.totalMetadataBytes += metadataBytes - (this.metadataBytesById.get(stored.sessionId) ?? 0);
    this.metadataBytesById.set(stored.sessionId, metadataBytes);
    this.oldestUpdatedAtMs = Math.min(this.oldestUpdatedAtMs, stored.updatedAtMs);
    return stored;
  }

  private checkMetadata(sessionId: string, bytes: number): void {
    if (bytes > this.maxMetadataBytes) {
      throw AgentError.invalidArgument(
        `metadata takes ${bytes} bytes in memory, more than the ${this.maxMetadataBytes} a session may hold (session.max_metadata_bytes); nothing stored`,
      );
    }
    if (bytes <= this.metadataRoomFor(sessionId)) return;
    // Expired sessions still hold their bytes until purged; they must not refuse a live one.
    this.removeExpired();
    if (bytes > this.metadataRoomFor(sessionId)) {
      throw AgentError.resourceExhausted(
        `session metadata is at its budget: ${this.totalMetadataBytes} of ${this.maxTotalMetadataBytes} bytes in use (session.max_total_metadata_bytes); ` +
          `this session's ${bytes} bytes are refused until sessions end; nothing stored`,
      );
    }
  }

  /** Total budget left for `sessionId`, counting what it holds now as free (a write replaces it). */
  private metadataRoomFor(sessionId: string): number {
    return this.maxTotalMetadataBytes - this.totalMetadataBytes + (this.metadataBytesById.get(sessionId) ?? 0);
  }

  private isExpired(session: VpnSession, nowMs = this.clock.nowMs()): boolean {
    return nowMs - session.updatedAtMs >= this.ttlMs;
  }

  private indexUsername(username: string, sessionId: string): void {
    const ids = this.idsByUsername.get(username);
    if (ids === undefined) {
      this.idsByUsername.set(username, new Set([sessionId]));
    } else {
      ids.add(sessionId);
    }
  }

  private delete(session: VpnSession): void {
    this.byId.delete(session.sessionId);
    this.totalMetadataBytes -= this.metadataBytesById.get(session.sessionId) ?? 0;
    this.metadataBytesById.delete(session.sessionId);
    const ids = this.idsByUsername.get(session.username);
    ids?.delete(session.sessionId);
    if (ids?.size === 0) {
      this.idsByUsername.delete(session.username);
    }
  }
}
