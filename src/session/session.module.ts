import { Module } from '@nestjs/common';
import { SessionCleanupJob } from './session-cleanup.job';
import { SessionMetrics } from './session-metrics';
import { SessionStore } from './session-store.service';

@Module({
  providers: [SessionStore, SessionCleanupJob, SessionMetrics],
  exports: [SessionStore],
})
export class SessionModule {}
