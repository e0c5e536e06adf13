import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import type { PolicyVerdict } from '../portal/policy-checker';
import { decisionKey, type DecisionSubject } from './decision-key';
import { decisionHeapBytes } from './decision-size';

/**
 * No portal call outlives this (portal.call_timeout_ms is capped at 60 s), so a mark
 * kept this much past the stale window still catches a late answer to an old question.
 */
const MAX_OUTSTANDING_CALL_MS = 60_000;

interface CachedDecision {
  readonly verdict: PolicyVerdict;
  readonly username: string;
  readonly decidedAtMs: number;
  /** Order of writes; invalidation compares these, not times, so the same millisecond is unambiguous. */
  readonly sequence: number;
  /** decisionHeapBytes of this entry, counted against `max_bytes`. */
  readonly bytes: number;
}

interface Invalidation {
  readonly sequence: number;
  readonly atMs: number;
}

/**
 * Portal decisions by (user, group, client IP, device) (decision-key.ts says why
 * these), in an in-memory LRU bounded by `max_entries` and by `max_bytes` of
 * estimated heap (decision-size.ts): past either, the least recently used entries
 * go. A Map keeps insertion order, so re-inserting on every hit makes its first
 * entry the least recently used. An entry is fresh for `fresh_ttl_seconds`
 * (answers without asking the portal) and kept until `stale_ttl_seconds` for
 * fail_mode "stale" only.
 *
 * Per-user invalidation without scanning the store: we remember the write
 * sequence at which each user was invalidated and ignore entries written before.
 * The marks are pruned once older than the stale window, when no entry they
 * could hide survives.
 */
@Injectable()
export class DecisionCache {
  private readonly entries = new Map<string, CachedDecision>();
  private totalBytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly enabled: boolean;
  private readonly freshMs: number;
  private readonly staleMs: number;
  private readonly invalidations = new Map<string, Invalidation>();
  private sequence = 0;

  constructor(
    config: ConfigService<AgentConfig, true>,
    private readonly clock: Clock,
  ) {
    const settings = config.get('authorization', { infer: true }).cache;
    this.enabled = settings.enabled;
    this.freshMs = settings.fresh_ttl_seconds * 1000;
    this.staleMs = settings.stale_ttl_seconds * 1000;
    this.maxEntries = settings.max_entries;
    this.maxBytes = settings.max_bytes;
  }

  /** Entries held now, and their estimated heap bytes (what max_entries and max_bytes bound). */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.entries.size, bytes: this.totalBytes };
  }

  /** A decision young enough to answer without the portal. */
  async getFresh(subject: DecisionSubject): Promise<PolicyVerdict | undefined> {
    const entry = await this.read(subject);
    return entry !== undefined && this.clock.nowMs() - entry.decidedAtMs < this.freshMs ? entry.verdict : undefined;
  }

  /** Any decision within the stale window: only for when the portal cannot answer. */
  async getStale(subject: DecisionSubject): Promise<PolicyVerdict | undefined> {
    return (await this.read(subject))?.verdict;
  }

  /**
   * Where the write order stands now. Take it before asking the portal and hand it to
   * put(): an answer to a question asked before invalidateUser() must not be stored.
   */
  writePosition(): number {
    return this.sequence;
  }

  /** True when `username` was invalidated after `askedAt` (a writePosition()). */
  invalidatedSince(username: string, askedAt: number): boolean {
    const invalidation = this.invalidations.get(username);
    return invalidation !== undefined && invalidation.sequence > askedAt;
  }

  /** Stores `verdict`, unless the user was invalidated after `askedAt` (a writePosition()). */
  async put(subject: DecisionSubject, verdict: PolicyVerdict, askedAt?: number): Promise<void> {
    if (!this.enabled) return;
    if (askedAt !== undefined && this.invalidatedSince(subject.username, askedAt)) return;
    const key = decisionKey(subject);
    this.remove(key);
    const bytes = decisionHeapBytes(key, verdict);
    // One answer larger than the whole budget is not cached: the next login asks again.
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { verdict, username: subject.username, decidedAtMs: this.clock.nowMs(), sequence: ++this.sequence, bytes });
    this.totalBytes += bytes;
    this.evictLeastRecentlyUsed();
  }

  /** Forgets every decision about `username` (DisconnectUser, route changes, the portal says so). */
  invalidateUser(username: string): void {
    const nowMs = this.clock.nowMs();
    // Its own position in the write order, so a question asked just before it is told apart from one asked after.
    this.invalidations.set(username, { sequence: ++this.sequence, atMs: nowMs });
    this.pruneInvalidations(nowMs);
  }

  private async read(subject: DecisionSubject): Promise<CachedDecision | undefined> {
    if (!this.enabled) return undefined;
    const key = decisionKey(subject);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const nowMs = this.clock.nowMs();
    const invalidation = this.invalidations.get(entry.username);
    if (nowMs - entry.decidedAtMs >= this.staleMs || (invalidation !== undefined && entry.sequence <= invalidation.sequence)) {
      this.remove(key);
      return undefined;
    }
    // Most recently used now: to the end of the Map's order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  private evictLeastRecentlyUsed(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) return;
      this.remove(key);
    }
  }

  private pruneInvalidations(nowMs: number): void {
    for (const [username, invalidation] of this.invalidations) {
      if (nowMs - invalidation.atMs > this.staleMs + MAX_OUTSTANDING_CALL_MS) this.invalidations.delete(username);
    }
  }
}
