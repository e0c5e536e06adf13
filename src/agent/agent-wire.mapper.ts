import { AgentError } from '../errors/agent-error';
import { ConfigType } from '../generated/agent/v1/agent';
import type { ConfigScope } from '../user-config/config-scope';
import type {
  CommandRequest,
  CommandResponse,
  ConfigUpdateRequest,
  ConfigUpdateResponse,
  HealthCheckRequest,
  HealthCheckResponse,
  LogEntry,
  LogStreamRequest,
} from '../generated/agent/v1/agent';
import { msToTimestamp, timestampToMs } from '../grpc/timestamp.mapper';
import type { LogLine, LogQuery } from '../logs/log-stream.service';
import type { MainConfigUpdateResult } from '../user-config/main-config.service';
import { echoValue } from '../validation/vpn-identifiers';
import type { CommandOrder, CommandOutcome, HealthReport } from './agent-requests';
import { HEALTH_TIERS, HealthTier } from './tiered-health.service';

/*
 * Wire <-> domain for AgentService. Command words are checked for shape here
 * (count, length, no control characters, nothing flag-like); which command and
 * which argument kind is CommandExecutor's business.
 */

/** command_type values meaning "the occtl words are in args". */
const OCCTL_COMMAND_TYPES = new Set(['occtl', 'OCCTL']);
const MAX_WORDS = 6;
const MAX_WORD_LENGTH = 128;
const MAX_REQUEST_ID_LENGTH = 128;
const MAX_TIMEOUT_SECONDS = 300;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const LOG_SOURCES = ['agent', 'ocserv', 'system'] as const;

export function toCommandOrder(request: CommandRequest): CommandOrder {
  assertRequestId(request.request_id);
  if (!Number.isInteger(request.timeout_seconds) || request.timeout_seconds < 0 || request.timeout_seconds > MAX_TIMEOUT_SECONDS) {
    throw AgentError.invalidArgument(`timeout_seconds must be 0 (the agent's default) to ${MAX_TIMEOUT_SECONDS}`);
  }
  const commandType = request.command_type.trim();
  // "occtl" + ["show", "user", "alice"], or "show user" / "show_user" + ["alice"].
  const head = OCCTL_COMMAND_TYPES.has(commandType) ? [] : commandType.split(/[\s_]+/).filter((word) => word !== '');
  const words = [...head, ...request.args];
  if (words.length === 0) {
    throw AgentError.invalidArgument('command_type and args name no command; e.g. command_type "occtl", args ["show", "users"]');
  }
  if (words.length > MAX_WORDS) {
    throw AgentError.invalidArgument(`a command has at most ${MAX_WORDS} words; got ${words.length}`);
  }
  for (const word of words) {
    if (word.length === 0 || word.length > MAX_WORD_LENGTH || CONTROL_CHARACTERS.test(word) || word.startsWith('-')) {
      throw AgentError.invalidArgument(
        `every command word must be 1-${MAX_WORD_LENGTH} characters, without control characters, not starting with '-'; got ${echoValue(word)}`,
      );
    }
  }
  return {
    requestId: request.request_id,
    words,
    timeoutMs: request.timeout_seconds === 0 ? undefined : request.timeout_seconds * 1000,
  };
}

/** UpdateConfig MAIN: the file is main_config.path, never named by the caller. */
export function toMainConfigUpdate(request: ConfigUpdateRequest): { content: string; validateOnly: boolean; backup: boolean } {
  assertRequestId(request.request_id);
  if (request.config_name !== '') {
    throw AgentError.invalidArgument(
      `config_name must be empty for CONFIG_TYPE_MAIN (the agent writes main_config.path); got ${echoValue(request.config_name)}`,
    );
  }
  return { content: request.config_content, validateOnly: request.validate_only, backup: request.create_backup };
}

export function toConfigUpdateResponse(requestId: string, result: MainConfigUpdateResult): ConfigUpdateResponse {
  return {
    request_id: requestId,
    success: result.success,
    validation_result: result.validationResult,
    backup_path: result.backupPath,
    error_message: result.errorMessage,
  };
}

function assertRequestId(requestId: string): void {
  if (requestId.length > MAX_REQUEST_ID_LENGTH || CONTROL_CHARACTERS.test(requestId)) {
    throw AgentError.invalidArgument(`request_id must be at most ${MAX_REQUEST_ID_LENGTH} printable characters`);
  }
}

export function toCommandResponse(requestId: string, outcome: CommandOutcome): CommandResponse {
  return {
    request_id: requestId,
    success: outcome.exitCode === 0,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    exit_code: outcome.exitCode,
    error_message: outcome.errorMessage,
  };
}

/** Tier 0 (unset) asks for everything: an unspecified health check should not hide a broken ocserv. */
export function toHealthTier(request: HealthCheckRequest): HealthTier {
  if (request.tier === 0) return 3;
  if (!(HEALTH_TIERS as readonly number[]).includes(request.tier)) {
    throw AgentError.invalidArgument(`tier must be 1 (agent), 2 (+ ocserv) or 3 (+ config dirs), or 0 for all; got ${request.tier}`);
  }
  return request.tier as HealthTier;
}

export function toHealthCheckResponse(report: HealthReport, nowMs: number): HealthCheckResponse {
  return {
    healthy: report.healthy,
    status_message: report.statusMessage,
    checks: { ...report.checks },
    timestamp: msToTimestamp(nowMs),
  };
}

export function toLogQuery(request: LogStreamRequest): LogQuery {
  const source = request.log_source === '' ? 'agent' : request.log_source;
  if (!(LOG_SOURCES as readonly string[]).includes(source)) {
    throw AgentError.invalidArgument(`log_source must be one of ${LOG_SOURCES.join(', ')}; got ${echoValue(request.log_source)}`);
  }
  return {
    source: source as LogQuery['source'],
    sinceMs: timestampToMs(request.start_time, 'start_time'),
    follow: request.follow,
  };
}

export function toLogEntry(line: LogLine): LogEntry {
  return {
    timestamp: msToTimestamp(line.timeMs),
    level: line.level,
    source: line.source,
    message: line.message,
    fields: { ...line.fields },
  };
}

/** UpdateConfig's config_type as what it changes. */
export function scopeOfConfigUpdate(request: ConfigUpdateRequest): 'main' | ConfigScope {
  switch (request.config_type) {
    case ConfigType.CONFIG_TYPE_MAIN:
      return 'main';
    case ConfigType.CONFIG_TYPE_PER_USER:
      return 'user';
    case ConfigType.CONFIG_TYPE_PER_GROUP:
      return 'group';
    default:
      throw AgentError.invalidArgument('config_type must be CONFIG_TYPE_MAIN, CONFIG_TYPE_PER_USER or CONFIG_TYPE_PER_GROUP');
  }
}
