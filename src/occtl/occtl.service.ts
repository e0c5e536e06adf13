import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { AgentError } from '../errors/agent-error';
import { OcctlCapabilities } from './occtl-capabilities';
import { occtlCommand, OcctlCommandName, OcctlCommandSpec } from './occtl-command.catalog';
import { occtlErrorText, occtlUnreachable } from './occtl-failure';
import { OcctlMetrics, OcctlOutcome } from './occtl-metrics';
import type { OcctlBan, OcctlCookieSession, OcctlIroute, OcctlStatus, OcctlUser } from './occtl-records';
import { OcctlRunner, OcctlRunResult } from './occtl-runner';
import { OcctlOutputError } from './parsing/occtl-output.error';
import { OcctlRecord, parseOcctlJson } from './parsing/occtl-json.parser';
import {
  toOcctlBans,
  toOcctlCookieSessions,
  toOcctlIroutes,
  toOcctlStatus,
  toOcctlUsers,
} from './parsing/occtl-records.mapper';

function outcomeOf(result: OcctlRunResult, unreachable: boolean): OcctlOutcome {
  if (result.timedOut) return 'timeout';
  if (unreachable) return 'unreachable';
  return result.exitCode === 0 ? 'ok' : 'refused';
}

/** How an action command (disconnect, unban, reload, ...) went. */
export interface OcctlActionResult {
  readonly ok: boolean;
  readonly exitCode: number;
  /** What occtl printed, e.g. "connection ID '24518' was disconnected". */
  readonly message: string;
}

/** A command run for ExecuteCommand: the real exit code, and normalized JSON for `show` commands. */
export interface OcctlCommandOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/**
 * Typed occtl: one method per command the installed occtl offers. ocserv being
 * unreachable, hung or printing unreadable output is an UNAVAILABLE AgentError;
 * a command ocserv refused is an OcctlActionResult with ok=false.
 */
@Injectable()
export class OcctlService implements OnApplicationBootstrap {
  private readonly logger = new Logger(OcctlService.name);

  constructor(
    private readonly runner: OcctlRunner,
    private readonly capabilities: OcctlCapabilities,
    private readonly metrics: OcctlMetrics,
    private readonly clock: Clock,
  ) {}

  /** ocserv's control socket (ocserv.socket_file), for messages. */
  get socketFile(): string {
    return this.runner.socketFile;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.capabilities.detect();
  }

  async showStatus(timeoutMs?: number): Promise<OcctlStatus> {
    const records = await this.query('show status', undefined, timeoutMs);
    try {
      return toOcctlStatus(records, this.clock.nowMs());
    } catch (error) {
      if (!(error instanceof OcctlOutputError)) throw error;
      throw AgentError.unavailable(`occtl "show status" printed output the agent cannot read: ${error.message}`);
    }
  }

  async showUsers(): Promise<OcctlUser[]> {
    return this.users(await this.query('show users'));
  }

  /** Every session of `username`; empty when the user has none. */
  async showUser(username: string): Promise<OcctlUser[]> {
    return this.users(await this.query('show user', username));
  }

  /** The session with this worker id, or undefined when there is none. */
  async showId(id: number): Promise<OcctlUser | undefined> {
    return this.users(await this.query('show id', String(id)))[0];
  }

  async showSessions(which: 'all' | 'valid'): Promise<OcctlCookieSession[]> {
    return toOcctlCookieSessions(await this.query(`show sessions ${which}`), this.clock.nowMs()).sessions;
  }

  async showSession(sessionId: string): Promise<OcctlCookieSession | undefined> {
    return toOcctlCookieSessions(await this.query('show session', sessionId), this.clock.nowMs()).sessions[0];
  }

  async showIpBans(): Promise<OcctlBan[]> {
    return toOcctlBans(await this.query('show ip bans'), this.clock.nowMs()).bans;
  }

  async showIpBanPoints(): Promise<OcctlBan[]> {
    return toOcctlBans(await this.query('show ip ban points'), this.clock.nowMs()).bans;
  }

  async showIroutes(): Promise<OcctlIroute[]> {
    return toOcctlIroutes(await this.query('show iroutes')).iroutes;
  }

  disconnectUser(username: string): Promise<OcctlActionResult> {
    return this.act('disconnect user', username);
  }

  disconnectId(id: number): Promise<OcctlActionResult> {
    return this.act('disconnect id', String(id));
  }

  unbanIp(ip: string): Promise<OcctlActionResult> {
    return this.act('unban ip', ip);
  }

  reload(): Promise<OcctlActionResult> {
    return this.act('reload');
  }

  stopNow(): Promise<OcctlActionResult> {
    return this.act('stop now');
  }

  /** Disconnects and invalidates the cookies, so clients cannot reconnect (occtl >= 1.2 only). */
  terminateUser(username: string): Promise<OcctlActionResult> {
    return this.act('terminate user', username);
  }

  terminateId(id: number): Promise<OcctlActionResult> {
    return this.act('terminate id', String(id));
  }

  terminateSession(sessionId: string): Promise<OcctlActionResult> {
    return this.act('terminate session', sessionId);
  }

  /**
   * Runs an already validated command for ExecuteCommand. `show` output is
   * re-serialized as valid JSON (occtl's own has duplicate keys and missing
   * commas); action output is passed through as text.
   */
  async runCommand(spec: OcctlCommandSpec, args: readonly string[], timeoutMs = this.runner.timeoutMs): Promise<OcctlCommandOutput> {
    this.capabilities.assertSupported(spec.name);
    const json = spec.output === 'json';
    const result = await this.run(spec.name, [...(json ? ['-j'] : []), ...spec.words, ...args], timeoutMs);
    const exitCode = result.exitCode ?? -1;
    const stdout = json ? JSON.stringify(this.parse(result, spec.name), null, 2) : result.stdout;
    return { exitCode, stdout, stderr: result.stderr, durationMs: result.durationMs };
  }

  private async query(name: OcctlCommandName, arg?: string, timeoutMs?: number): Promise<OcctlRecord[]> {
    const spec = occtlCommand(name);
    this.capabilities.assertSupported(name);
    const result = await this.run(name, ['-j', ...spec.words, ...(arg === undefined ? [] : [arg])], timeoutMs);
    return this.parse(result, name);
  }

  private parse(result: OcctlRunResult, name: string): OcctlRecord[] {
    try {
      return parseOcctlJson(result.stdout);
    } catch (error) {
      if (!(error instanceof OcctlOutputError)) throw error;
      // `show user NAME` for an unknown user exits 2 after printing "[]"; a failed
      // command with unreadable output is reported with what occtl said.
      const said = result.exitCode === 0 ? error.excerpt : occtlErrorText(result);
      throw AgentError.unavailable(`occtl "${name}" printed output the agent cannot read (exit ${result.exitCode}): ${said}`);
    }
  }

  private async act(name: OcctlCommandName, arg?: string): Promise<OcctlActionResult> {
    const spec = occtlCommand(name);
    this.capabilities.assertSupported(name);
    const result = await this.run(name, [...spec.words, ...(arg === undefined ? [] : [arg])]);
    const ok = result.exitCode === 0;
    const message = occtlErrorText(result);
    this.logger.log({ msg: 'occtl action', command: name, target: arg, ok, exit_code: result.exitCode, output: message });
    return { ok, exitCode: result.exitCode ?? -1, message };
  }

  private users(records: OcctlRecord[]): OcctlUser[] {
    const { users, skipped } = toOcctlUsers(records, this.clock.nowMs());
    if (skipped > 0) {
      this.logger.warn({ msg: 'occtl reported sessions the agent cannot read; skipped', skipped });
    }
    return users;
  }

  /** One occtl run, counted in the metrics; throws UNAVAILABLE when ocserv could not be asked. */
  private async run(name: OcctlCommandName, argv: readonly string[], timeoutMs = this.runner.timeoutMs): Promise<OcctlRunResult> {
    let result: OcctlRunResult;
    try {
      result = await this.runner.run(argv, { timeoutMs });
    } catch (error) {
      this.metrics.failedToStart(name);
      throw error;
    }
    const failure = occtlUnreachable(result, name, this.runner.socketFile, timeoutMs);
    this.metrics.observe(name, result, outcomeOf(result, failure !== undefined));
    if (failure !== undefined) throw failure;
    return result;
  }
}
