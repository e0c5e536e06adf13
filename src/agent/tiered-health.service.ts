import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AgentConfig, OcservConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import { ServingState } from '../health/serving-state';
import { OcctlService } from '../occtl/occtl.service';
import { DirectoryProbe } from '../user-config/config-dir.probe';
import type { HealthReport } from './agent-requests';

/** A health check must answer even when ocserv hangs. */
const OCSERV_CHECK_TIMEOUT_MS = 3_000;
/**
 * Probes from many callers within this window share one `occtl show status`: a
 * reader-role client polling HealthCheck must not turn into one occtl per call.
 */
const OCSERV_CHECK_REUSE_MS = 1_000;

export const HEALTH_TIERS = [1, 2, 3] as const;
export type HealthTier = (typeof HEALTH_TIERS)[number];

/**
 * AgentService.HealthCheck. Tier 1: the agent itself serves. Tier 2: also
 * ocserv answers `show status` now. Tier 3: also the config-per-user and
 * config-per-group dirs take a new file. Each check reports "ok: ..." or
 * "fail: ..." with the reason; healthy means every check of the tier passed.
 */
@Injectable()
export class TieredHealth {
  private readonly ocserv: OcservConfig;
  private readonly startedMs: number;
  private lastOcservCheck: { readonly atMs: number; readonly result: Promise<string> } | undefined;

  constructor(
    private readonly serving: ServingState,
    private readonly occtl: OcctlService,
    private readonly probe: DirectoryProbe,
    private readonly clock: Clock,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.ocserv = config.get('ocserv', { infer: true });
    this.startedMs = clock.nowMs();
  }

  async check(tier: HealthTier): Promise<HealthReport> {
    const checks: Record<string, string> = { agent: this.agentCheck() };
    if (tier >= 2) checks.ocserv = await this.sharedOcservCheck();
    if (tier >= 3) {
      const [user, group] = await Promise.all([
        this.dirCheck(this.ocserv.config_per_user_dir),
        this.dirCheck(this.ocserv.config_per_group_dir),
      ]);
      checks.config_per_user_dir = user;
      checks.config_per_group_dir = group;
    }
    const failed = Object.entries(checks).filter(([, state]) => state.startsWith('fail'));
    return {
      healthy: failed.length === 0,
      statusMessage:
        failed.length === 0
          ? `tier ${tier}: all ${Object.keys(checks).length} checks passed`
          : `tier ${tier}: ${failed.map(([name]) => name).join(', ')} failing`,
      checks,
    };
  }

  private agentCheck(): string {
    const upSeconds = Math.floor((this.clock.nowMs() - this.startedMs) / 1000);
    return this.serving.serving ? `ok: serving, up ${upSeconds}s` : 'fail: not serving (starting or shutting down)';
  }

  private sharedOcservCheck(): Promise<string> {
    const nowMs = this.clock.nowMs();
    if (this.lastOcservCheck === undefined || nowMs - this.lastOcservCheck.atMs >= OCSERV_CHECK_REUSE_MS) {
      this.lastOcservCheck = { atMs: nowMs, result: this.ocservCheck() };
    }
    return this.lastOcservCheck.result;
  }

  private async ocservCheck(): Promise<string> {
    try {
      const status = await this.occtl.showStatus(OCSERV_CHECK_TIMEOUT_MS);
      if (status.status !== 'online') return `fail: ocserv reports status "${status.status}"`;
      return `ok: online, pid ${status.serverPid ?? '?'}, ${status.activeSessions} active sessions`;
    } catch (error) {
      return `fail: ${error instanceof AgentError ? error.message : String(error)}`;
    }
  }

  private async dirCheck(dir: string): Promise<string> {
    const result = await this.probe.probeWritable(dir);
    return result.writable ? `ok: ${dir} is writable` : `fail: ${result.reason}`;
  }
}
