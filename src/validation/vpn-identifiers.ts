import { isIpAddress } from './ip-network';
import { AgentError } from '../errors/agent-error';
import {
  DEVICE_ID_MAX_LENGTH,
  ECHOED_VALUE_MAX_LENGTH,
  IP_ADDRESS_MAX_LENGTH,
  METADATA_KEY_MAX_LENGTH,
  METADATA_MAX_ENTRIES,
  METADATA_VALUE_MAX_LENGTH,
  SESSION_ID_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
} from './field-limits.constant';

/*
 * Validators for identifiers that later become occtl arguments and file names
 * (config-per-user/<username>), so they are allowlists, not blocklists: a value
 * that could be read as a flag, a path or a shell token never passes.
 */

/**
 * ocserv user and group names as the agent accepts them, length included: what the gRPC
 * edge, the hook and the policy file (users:, groups:) all check against.
 */
export const VPN_NAME_PATTERN = new RegExp(`^[A-Za-z0-9_@+][A-Za-z0-9._@+-]{0,${USERNAME_MAX_LENGTH - 1}}$`);
const SESSION_ID_PATTERN = /^[A-Za-z0-9+/=_][A-Za-z0-9+/=_.:-]*$/;
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:@+-]*$/;
const METADATA_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
// eslint-disable-next-line no-control-regex
const NUL_PATTERN = /\u0000/;

/** Shows a bad value in an error message without letting it flood or forge the message. */
export function echoValue(value: string): string {
  const shown = value.length > ECHOED_VALUE_MAX_LENGTH ? `${value.slice(0, ECHOED_VALUE_MAX_LENGTH)}…` : value;
  return `${JSON.stringify(shown)} (${value.length} chars)`;
}

export function assertUsername(value: string, field = 'username'): string {
  if (value === '') {
    throw AgentError.invalidArgument(`${field} is required`);
  }
  if (!VPN_NAME_PATTERN.test(value)) {
    throw AgentError.invalidArgument(
      `${field} must be 1-${USERNAME_MAX_LENGTH} characters of A-Z a-z 0-9 . _ @ + - and not start with '.' or '-'; got ${echoValue(value)}`,
    );
  }
  return value;
}

/** ocserv group names follow the same rules as usernames here; empty means "no group". */
export function assertOptionalGroupname(value: string, field = 'groupname'): string {
  return value === '' ? '' : assertUsername(value, field);
}

export function assertSessionId(value: string, field = 'session_id'): string {
  if (value === '') {
    throw AgentError.invalidArgument(`${field} is required`);
  }
  if (value.length > SESSION_ID_MAX_LENGTH || !SESSION_ID_PATTERN.test(value)) {
    throw AgentError.invalidArgument(
      `${field} must be 1-${SESSION_ID_MAX_LENGTH} characters of A-Z a-z 0-9 + / = _ . : - and not start with '.', ':' or '-'; got ${echoValue(value)}`,
    );
  }
  return value;
}

/** An IPv4 or IPv6 address without zone or prefix; returns it unchanged. */
export function assertIpAddress(value: string, field: string): string {
  if (value === '') {
    throw AgentError.invalidArgument(`${field} is required`);
  }
  if (value.length > IP_ADDRESS_MAX_LENGTH || !isIpAddress(value)) {
    throw AgentError.invalidArgument(`${field} must be an IPv4 or IPv6 address; got ${echoValue(value)}`);
  }
  return value;
}

/** Like assertIpAddress, but an empty value means "not known" and is allowed. */
export function assertOptionalIpAddress(value: string, field: string): string {
  return value === '' ? value : assertIpAddress(value, field);
}

export function assertOptionalDeviceId(value: string, field = 'device_id'): string {
  if (value === '') {
    return value;
  }
  if (value.length > DEVICE_ID_MAX_LENGTH || !DEVICE_ID_PATTERN.test(value)) {
    throw AgentError.invalidArgument(
      `${field} must be at most ${DEVICE_ID_MAX_LENGTH} characters of A-Z a-z 0-9 . _ : @ + -; got ${echoValue(value)}`,
    );
  }
  return value;
}

/** Free-form string map from the client (user agent, platform ...): bounded, keys restricted. */
export function assertMetadata(value: Record<string, string>, field = 'metadata'): Record<string, string> {
  const entries = Object.entries(value);
  if (entries.length > METADATA_MAX_ENTRIES) {
    throw AgentError.invalidArgument(`${field} has ${entries.length} entries; at most ${METADATA_MAX_ENTRIES} are allowed`);
  }
  for (const [key, entryValue] of entries) {
    if (key.length > METADATA_KEY_MAX_LENGTH || !METADATA_KEY_PATTERN.test(key)) {
      throw AgentError.invalidArgument(
        `${field} key must be 1-${METADATA_KEY_MAX_LENGTH} characters of A-Z a-z 0-9 . _ -; got ${echoValue(key)}`,
      );
    }
    if (entryValue.length > METADATA_VALUE_MAX_LENGTH || NUL_PATTERN.test(entryValue)) {
      throw AgentError.invalidArgument(
        `${field}[${key}] must be at most ${METADATA_VALUE_MAX_LENGTH} characters without NUL; got ${entryValue.length} chars`,
      );
    }
  }
  return value;
}
