import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AgentConfig } from '../config/agent-config.schema';
import { SessionStore } from './session-store.service';

const JOB_NAME = 'session-cleanup';

/**
 * Purges expired sessions every `session.cleanup_interval_seconds`. Registered
 * through SchedulerRegistry because the interval comes from config, which a
 * static @Interval() decorator cannot read. ScheduleModule clears every registered
 * interval at application shutdown.
 */
@Injectable()
export class SessionCleanupJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionCleanupJob.name);
  private readonly intervalMs: number;

  constructor(
    private readonly store: SessionStore,
    private readonly scheduler: SchedulerRegistry,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.intervalMs = config.get('session', { infer: true }).cleanup_interval_seconds * 1000;
  }

  onApplicationBootstrap(): void {
    const timer = setInterval(() => this.run(), this.intervalMs);
    timer.unref();
    this.scheduler.addInterval(JOB_NAME, timer);
  }

  run(): number {
    const removed = this.store.removeExpired();
    if (removed > 0) {
      this.logger.log({ msg: 'expired sessions purged', removed, remaining: this.store.count() });
    }
    return removed;
  }
}
