import { Module } from '@nestjs/common';
import { OcctlModule } from '../occtl/occtl.module';
import { ConnectsInFlight } from './connects-in-flight';
import { OcservSessionSync } from './ocserv-session-sync.service';
import { OcservSyncMetrics } from './ocserv-sync-metrics';
import { SessionCleanupJob } from './session-cleanup.job';
import { SessionLifecycle } from './session-lifecycle';
import { SessionMetrics } from './session-metrics';
import { SessionStore } from './session-store.service';

@Module({
  imports: [OcctlModule],
  providers: [SessionStore, SessionCleanupJob, SessionMetrics, OcservSessionSync, OcservSyncMetrics, ConnectsInFlight, SessionLifecycle],
  exports: [SessionStore, OcservSessionSync, ConnectsInFlight, SessionLifecycle],
})
export class SessionModule {}
