import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig } from '../config/agent-config.schema';
import { OcctlService } from '../occtl/occtl.service';
import { applyChanges, type OptionChanges } from '../user-config/config-edits';
import { UserConfigService } from '../user-config/user-config.service';
import { UserDisconnector } from './user-disconnector.service';

export interface UserRoutesOrder {
  readonly username: string;
  /** The model changes: route and dns always (an empty list clears), plus config_params' keys. */
  readonly changes: OptionChanges;
  readonly reloadIfConnected: boolean;
}

export interface UserRoutesOutcome {
  readonly path: string;
  readonly change: string;
  readonly changed: boolean;
  /** reload_if_connected: a new session of the user appeared within user_config.reconnect_wait_ms. */
  readonly userReconnected: boolean;
  readonly sessionsEnded: number;
}

/** How often `occtl show user` is asked whether the user is back. */
const RECONNECT_POLL_MS = 250;

/**
 * UpdateUserRoutes: the user's file first (ocserv reads it at every session open), then,
 * with reload_if_connected, the user's live sessions end so the client's next login runs
 * under the new file. openconnect 9 exits after an `occtl disconnect` ("Session terminated
 * by server; exiting."); AnyConnect-style clients and openconnect under a supervisor log in
 * again. `userReconnected` reports what happened within the configured wait, never a guess.
 */
@Injectable()
export class UserRoutesUpdater {
  private readonly logger = new Logger(UserRoutesUpdater.name);
  private readonly reconnectWaitMs: number;

  constructor(
    private readonly configs: UserConfigService,
    private readonly disconnector: UserDisconnector,
    private readonly occtl: OcctlService,
    private readonly clock: Clock,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.reconnectWaitMs = config.get('user_config', { infer: true }).reconnect_wait_ms;
  }

  async update(order: UserRoutesOrder): Promise<UserRoutesOutcome> {
    const written = await this.configs.edit('user', order.username, (current) => applyChanges(current, order.changes));
    if (!order.reloadIfConnected) {
      return { path: written.path, change: written.change, changed: written.changed, userReconnected: false, sessionsEnded: 0 };
    }
    const before = await this.occtl.showUser(order.username);
    if (before.length === 0) {
      return { path: written.path, change: written.change, changed: written.changed, userReconnected: false, sessionsEnded: 0 };
    }
    const ended = await this.disconnector.disconnect({ username: order.username, reason: 'per-user config updated', allSessions: true });
    const userReconnected = await this.awaitNewSession(order.username, new Set(before.map((user) => user.id)));
    this.logger.log({ msg: 'user sessions ended for new config', user: order.username, sessions: ended.sessionsDisconnected, reconnected: userReconnected });
    return { path: written.path, change: written.change, changed: written.changed, userReconnected, sessionsEnded: ended.sessionsDisconnected };
  }

  private async awaitNewSession(username: string, oldIds: ReadonlySet<number>): Promise<boolean> {
    const deadline = this.clock.nowMs() + this.reconnectWaitMs;
    for (;;) {
      const now = await this.occtl.showUser(username).catch(() => []);
      if (now.some((user) => !oldIds.has(user.id) && user.state === 'connected')) return true;
      const left = deadline - this.clock.nowMs();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(RECONNECT_POLL_MS, left)));
    }
  }
}
