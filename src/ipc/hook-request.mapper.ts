import { AgentError } from '../errors/agent-error';
import { echoValue } from '../validation/vpn-identifiers';
import { HOOK_OPS, HookEnv, HookFraming, HookOp, HookRequest } from './hook-request';
import {
  HOOK_BUDGET_MAX_MS,
  HOOK_BUDGET_MIN_MS,
  HOOK_ENV_MAX_VARS,
  HOOK_ENV_NAME_PATTERN,
  HOOK_ENV_VALUE_MAX_BYTES,
} from './ipc-limits.constant';

/*
 * Wire -> HookRequest for both framings. Only the shape is checked here (names, types, sizes);
 * what the values mean (a username, an address) is checked where they become domain notices
 * (hook-notice.mapper.ts). Every failure is an INVALID_ARGUMENT naming the field.
 */

const REQUEST_KEYS = new Set(['op', 'budget_ms', 'env']);

/** The earlier agent's fields and the ocserv variable each one carried. */
const LEGACY_FIELD_TO_ENV = {
  reason: 'REASON',
  username: 'USERNAME',
  groupname: 'GROUPNAME',
  ip_real: 'IP_REAL',
  ip_remote: 'IP_REMOTE',
  device: 'DEVICE',
  session_id: 'ID',
} as const;

type JsonObject = Record<string, unknown>;

export function decodeHookRequest(framing: HookFraming, payload: Buffer): HookRequest {
  const value = parseJson(payload);
  return framing === 'ndjson' ? toHookRequest(value) : legacyToHookRequest(value);
}

/** `{"op","budget_ms","env"}`; an unknown top-level key is refused (we own both ends). */
export function toHookRequest(value: unknown): HookRequest {
  const request = asObject(value, 'request');
  const unknownKey = Object.keys(request).find((key) => !REQUEST_KEYS.has(key));
  if (unknownKey !== undefined) {
    throw AgentError.invalidArgument(`unknown key ${echoValue(unknownKey)}; a request has op, budget_ms and env`);
  }
  return {
    op: toOp(request['op'], 'op'),
    budgetMs: toBudgetMs(request['budget_ms']),
    env: toEnv(request['env']),
  };
}

/**
 * The earlier agent's `{"reason","username",...}`: each field becomes the ocserv variable it
 * carried, so both framings reach the handlers as one shape. Unknown keys are ignored, as the
 * earlier agent did. It had no budget: the agent's decision_timeout_ms applies.
 */
export function legacyToHookRequest(value: unknown): HookRequest {
  const request = asObject(value, 'request');
  const env: Record<string, string> = {};
  for (const [field, name] of Object.entries(LEGACY_FIELD_TO_ENV)) {
    const fieldValue = request[field];
    if (fieldValue !== undefined) env[name] = toEnvValue(fieldValue, field);
  }
  return { op: toOp(request['reason'], 'reason'), budgetMs: undefined, env };
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    // The parser's message quotes the input; the client knows what it sent.
    throw AgentError.invalidArgument(`request is not valid JSON (${payload.length} bytes)`);
  }
}

function asObject(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw AgentError.invalidArgument(`${field} must be a JSON object; got ${describe(value)}`);
  }
  return value as JsonObject;
}

function toOp(value: unknown, field: string): HookOp {
  if (typeof value === 'string' && (HOOK_OPS as readonly string[]).includes(value)) {
    return value as HookOp;
  }
  const got = typeof value === 'string' ? echoValue(value) : describe(value);
  throw AgentError.invalidArgument(`${field} must be one of ${HOOK_OPS.join(', ')}; got ${got}`);
}

function toBudgetMs(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < HOOK_BUDGET_MIN_MS || value > HOOK_BUDGET_MAX_MS) {
    throw AgentError.invalidArgument(
      `budget_ms must be a whole number of milliseconds from ${HOOK_BUDGET_MIN_MS} to ${HOOK_BUDGET_MAX_MS}; got ${describe(value)}`,
    );
  }
  return value;
}

function toEnv(value: unknown): HookEnv {
  const env = asObject(value, 'env');
  const names = Object.keys(env);
  if (names.length > HOOK_ENV_MAX_VARS) {
    throw AgentError.invalidArgument(`env has ${names.length} variables; at most ${HOOK_ENV_MAX_VARS} are allowed`);
  }
  const checked: Record<string, string> = {};
  for (const name of names) {
    if (!HOOK_ENV_NAME_PATTERN.test(name)) {
      throw AgentError.invalidArgument(`env name must be 1-64 characters of A-Z 0-9 _ starting with a letter; got ${echoValue(name)}`);
    }
    checked[name] = toEnvValue(env[name], `env.${name}`);
  }
  return checked;
}

function toEnvValue(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw AgentError.invalidArgument(`${field} must be a string; got ${describe(value)}`);
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > HOOK_ENV_VALUE_MAX_BYTES) {
    throw AgentError.invalidArgument(`${field} is ${bytes} bytes; at most ${HOOK_ENV_VALUE_MAX_BYTES} are allowed`);
  }
  return value;
}

/** A JSON value's kind, for messages: never echoes more than a short string or a number. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return echoValue(value);
  return String(value);
}
