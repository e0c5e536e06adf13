import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { basename, dirname } from 'node:path';
import type { AgentConfig, MainConfigConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import { OcctlService } from '../occtl/occtl.service';
import { ConfigFileWriter, ConfigTarget } from './config-file.writer';
import { MainConfigChecks } from './main-config.checks';
import { OcservConfigTester } from './ocserv-config.tester';

export interface MainConfigUpdateOptions {
  /** Check only (own checks and ocserv --test-config); nothing is written or reloaded. */
  readonly validateOnly: boolean;
  /** Keep the replaced file in <dir>/.backups. Rollback works either way (it keeps the old bytes in memory). */
  readonly backup: boolean;
}

export interface MainConfigUpdateResult {
  /** The new file is in place and ocserv kept answering (or validate_only and the candidate passed). */
  readonly success: boolean;
  readonly applied: boolean;
  readonly rolledBack: boolean;
  /** What the checks found: "ok", warnings, and what happened after the write. */
  readonly validationResult: string;
  readonly backupPath: string;
  /** Why success is false, for the caller; empty on success. */
  readonly errorMessage: string;
  readonly path: string;
  /** Short summary for the audit line, e.g. "+2 -1 lines". */
  readonly change: string;
}

/** Debian's package installs ocserv.conf 0644 root:root; the agent keeps that. */
const MAIN_CONFIG_FILE_MODE = 0o644;
/** How often ocserv is asked whether it still answers during main_config.reload_settle_ms. */
const SETTLE_POLL_INTERVAL_MS = 250;

/**
 * UpdateConfig MAIN: replaces ocserv.conf only after the agent's own checks and
 * ocserv's `--test-config` accept the candidate, puts it in place atomically,
 * runs `occtl reload`, and puts the previous file back (and reloads again) when
 * ocserv then refuses the reload, stops answering, or restarts within
 * main_config.reload_settle_ms. One update at a time.
 */
@Injectable()
export class MainConfigService {
  private readonly logger = new Logger(MainConfigService.name);
  private readonly config: MainConfigConfig;
  private readonly target: ConfigTarget;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    config: ConfigService<AgentConfig, true>,
    private readonly checks: MainConfigChecks,
    private readonly tester: OcservConfigTester,
    private readonly writer: ConfigFileWriter,
    private readonly occtl: OcctlService,
  ) {
    this.config = config.get('main_config', { infer: true });
    this.target = { dir: dirname(this.config.path), name: basename(this.config.path), mode: MAIN_CONFIG_FILE_MODE };
  }

  update(content: string, options: MainConfigUpdateOptions): Promise<MainConfigUpdateResult> {
    const run = this.queue.then(() => this.updateNow(content, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateNow(content: string, options: MainConfigUpdateOptions): Promise<MainConfigUpdateResult> {
    if (!this.config.allow_updates) {
      throw AgentError.failedPrecondition('UpdateConfig MAIN is off on this agent (main_config.allow_updates is false)');
    }
    const current = await this.writer.read(this.target);
    if (current === undefined) {
      throw AgentError.failedPrecondition(`${this.config.path} does not exist; the agent replaces an installed ocserv.conf, it does not create one`);
    }
    const warnings = await this.validate(content, current);
    const checked = ['checks: ok', 'ocserv --test-config: ok', ...warnings.map((warning) => `warning: ${warning}`)];
    const change = lineChange(current, content);
    if (options.validateOnly) return this.result({ success: true, validation: checked, change });
    if (content === current) return this.result({ success: true, validation: [...checked, 'unchanged: not written, not reloaded'], change });

    // Before the write: a change cannot be verified on an ocserv that is already down.
    const before = await this.statusOrFailure();
    if (typeof before === 'string') {
      throw AgentError.failedPrecondition(`ocserv is not answering before the update, so it could not be verified; nothing changed: ${before}`);
    }
    const written = await this.writer.write(this.target, content, { backup: options.backup });
    const failure = await this.reloadAndSettle(before.serverPid);
    if (failure === undefined) {
      this.logger.log({ msg: 'ocserv.conf replaced and reloaded', file: this.config.path, backup: written.backupPath, change });
      return this.result({ success: true, applied: true, validation: [...checked, 'reloaded: ocserv answering'], backupPath: written.backupPath, change });
    }
    return this.rollBack(failure, current, written.backupPath, checked, change);
  }

  /** Own checks first (cheap, and they refuse what would pass ocserv's), then ocserv's parser on a copy. */
  private async validate(content: string, current: string): Promise<string[]> {
    const own = this.checks.check({
      candidate: content,
      current,
      agentSocketFile: this.occtl.socketFile,
      maxBytes: this.config.max_file_bytes,
    });
    if (own.problems.length > 0) {
      throw AgentError.invalidArgument(`config_content refused, ${this.config.path} untouched: ${own.problems.join('; ')}`);
    }
    const tested = await this.tester.test(content);
    if (!tested.ok) {
      throw AgentError.invalidArgument(
        `config_content refused by ocserv --test-config, ${this.config.path} untouched: ${tested.problems.join('; ')}`,
      );
    }
    return [...own.warnings, ...tested.warnings.map((warning) => `ocserv: ${warning}`)];
  }

  /** undefined when ocserv took the reload and kept answering as the same process; else why not. */
  private async reloadAndSettle(serverPid: number | undefined): Promise<string | undefined> {
    let reload;
    try {
      reload = await this.occtl.reload();
    } catch (error) {
      return `occtl reload failed: ${messageOf(error)}`;
    }
    if (!reload.ok) return `ocserv refused the reload: ${reload.message || `occtl exit ${reload.exitCode}`}`;
    // Counted polls, not a deadline: the settle time is a minimum wait, and
    // occtl's own timeout bounds each poll. ocserv 1.1.6 answers `occtl reload`
    // before it re-reads the file, so only asking afterwards tells.
    const settleMs = this.config.reload_settle_ms;
    const polls = Math.max(1, Math.ceil(settleMs / SETTLE_POLL_INTERVAL_MS));
    for (let poll = 1; poll <= polls; poll += 1) {
      await delay(poll < polls ? SETTLE_POLL_INTERVAL_MS : settleMs - SETTLE_POLL_INTERVAL_MS * (polls - 1));
      const status = await this.statusOrFailure();
      if (typeof status === 'string') return `ocserv stopped answering after the reload: ${status}`;
      if (serverPid !== undefined && status.serverPid !== serverPid) {
        return `ocserv restarted after the reload (pid ${serverPid} -> ${status.serverPid ?? '?'}), so the reload killed it`;
      }
    }
    return undefined;
  }

  private async rollBack(why: string, previous: string, backupPath: string, checked: string[], change: string): Promise<MainConfigUpdateResult> {
    this.logger.error({ msg: 'ocserv.conf update failed after the write; rolling back', file: this.config.path, reason: why });
    try {
      if (backupPath !== '') await this.writer.restore(this.target, backupPath);
      else await this.writer.write(this.target, previous, { backup: false });
    } catch (error) {
      const message = `${why}; ROLLBACK FAILED, ${this.config.path} holds the rejected file: ${messageOf(error)}`;
      this.logger.error({ msg: 'ocserv.conf rollback failed', file: this.config.path, reason: message });
      return this.result({ success: false, validation: checked, backupPath, error: message, change });
    }
    const after = await this.reloadPrevious();
    const message = `rolled back: ${why}; ${after}`;
    this.logger.warn({ msg: 'ocserv.conf rolled back', file: this.config.path, reason: message });
    return this.result({ success: false, rolledBack: true, validation: [...checked, message], backupPath, error: message, change });
  }

  /** Reloads the restored file; when ocserv is gone, says it needs a start (a systemd Restart= policy does it, on the restored file). */
  private async reloadPrevious(): Promise<string> {
    const status = await this.statusOrFailure();
    if (typeof status === 'string') {
      return `the previous file is back in place but ocserv is not running (${status}); it needs a restart (with a systemd Restart= policy it comes back by itself, on the restored file)`;
    }
    try {
      const reload = await this.occtl.reload();
      if (reload.ok) return 'the previous file is back in place and reloaded';
      return `the previous file is back in place but its reload was refused (${reload.message}); restart ocserv`;
    } catch (error) {
      return `the previous file is back in place but its reload failed (${messageOf(error)}); restart ocserv`;
    }
  }

  private async statusOrFailure(): Promise<{ serverPid: number | undefined } | string> {
    try {
      const status = await this.occtl.showStatus();
      return status.status === 'online' ? { serverPid: status.serverPid } : `ocserv reports status ${status.status}`;
    } catch (error) {
      return messageOf(error);
    }
  }

  private result(parts: {
    success: boolean;
    applied?: boolean;
    rolledBack?: boolean;
    validation: readonly string[];
    backupPath?: string;
    error?: string;
    change: string;
  }): MainConfigUpdateResult {
    return {
      success: parts.success,
      applied: parts.applied ?? false,
      rolledBack: parts.rolledBack ?? false,
      validationResult: parts.validation.join('\n'),
      backupPath: parts.backupPath ?? '',
      errorMessage: parts.error ?? '',
      path: this.config.path,
      change: parts.change,
    };
  }
}

/** "+a -r lines": how many lines the new file adds and drops, counted as multisets. */
function lineChange(before: string, after: string): string {
  const counts = new Map<string, number>();
  for (const line of before.split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of after.split('\n')) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else added += 1;
  }
  const removed = [...counts.values()].reduce((sum, left) => sum + left, 0);
  return `+${added} -${removed} lines`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
