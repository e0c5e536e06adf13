import { Injectable } from '@nestjs/common';
import { isIpNetwork, ipAddressFamily } from '../validation/ip-network';
import { normalizeOptionValue, prefixOfNetmask } from './ocserv-option.validator';
import { echoValue } from '../validation/vpn-identifiers';
import {
  BOOLEAN_WORDS,
  MAIN_ADDRESS_OPTIONS,
  MAIN_BOOLEAN_OPTIONS,
  MAIN_INTEGER_OPTIONS,
  MAIN_KNOWN_OPTIONS,
  MAIN_ROUTE_OPTIONS,
  OCSERV_DEFAULT_OCCTL_SOCKET,
  RESTART_ONLY_OPTIONS,
} from './main-config.options';

export interface MainConfigCheckInput {
  /** The candidate ocserv.conf as sent. */
  readonly candidate: string;
  /** The file in place now; undefined when there is none. */
  readonly current: string | undefined;
  /** The agent's ocserv.socket_file: the candidate must keep ocserv answering there. */
  readonly agentSocketFile: string;
  readonly maxBytes: number;
}

export interface MainConfigCheckResult {
  /** Reasons to refuse, each naming the line. */
  readonly problems: readonly string[];
  /** Worth telling the caller, not worth refusing. */
  readonly warnings: readonly string[];
}

interface OptionLine {
  readonly line: number;
  /** `` for the global part, else the [vhost:...] name. */
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

const FIELD = 'config_content';
const MAX_REPORTED = 20;
const VHOST_PREFIX = 'vhost:';

/**
 * The agent's own checks of a candidate ocserv.conf, for what `ocserv -t` (1.1.6)
 * lets through: numbers and booleans ocserv would silently read as 0/off,
 * addresses it does not look at, control characters, and changes that would cut
 * the agent off or kill a running ocserv at reload. Pure: no I/O.
 */
@Injectable()
export class MainConfigChecks {
  check(input: MainConfigCheckInput): MainConfigCheckResult {
    const bytes = Buffer.byteLength(input.candidate, 'utf8');
    if (bytes > input.maxBytes) {
      return { problems: [`${FIELD} is ${bytes} bytes; main_config.max_file_bytes allows ${input.maxBytes}`], warnings: [] };
    }
    if (input.candidate.trim() === '') return { problems: [`${FIELD} is empty`], warnings: [] };
    const problems: string[] = [];
    const warnings: string[] = [];
    const candidate = parseOptionLines(input.candidate, problems);
    for (const option of candidate) checkValue(option, problems, warnings);
    checkAgentAccess(candidate, input.agentSocketFile, problems);
    if (input.current !== undefined) compareWithCurrent(candidate, parseOptionLines(input.current, []), problems, warnings);
    return { problems: capped(problems), warnings: capped(warnings) };
  }
}

/** ocserv's ini syntax: `key = value`, `#`/`;` comments, `[vhost:name]` sections, surrounding quotes stripped. */
function parseOptionLines(text: string, problems: string[]): OptionLine[] {
  const options: OptionLine[] = [];
  let section = '';
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // A control character either ends a line early in ocserv's reader or becomes part of a value.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(body) || raw.endsWith('\r')) {
      problems.push(`${FIELD} line ${line}: contains a control character (NUL, CR, ...); only tabs are allowed`);
      return;
    }
    const trimmed = body.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const header = /^\[(.*)\]$/.exec(trimmed);
    if (header !== null) {
      section = header[1] ?? '';
      return;
    }
    const equals = trimmed.indexOf('=');
    if (equals <= 0) return; // ocserv -t reports the syntax error with its line number
    const key = trimmed.slice(0, equals).trim();
    const value = trimmed.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1');
    options.push({ line, section, key, value });
  });
  return options;
}

function checkValue(option: OptionLine, problems: string[], warnings: string[]): void {
  const { key, value } = option;
  const where = `${FIELD} line ${option.line}: ${key} = ${echoValue(value)}`;
  const range = MAIN_INTEGER_OPTIONS.get(key);
  if (range !== undefined) {
    if (!/^-?\d{1,10}$/.test(value) || Number(value) < range.min || Number(value) > range.max) {
      problems.push(`${where}: expected a whole number ${range.min}-${range.max} (ocserv reads anything else as a number silently)`);
    }
  } else if (MAIN_BOOLEAN_OPTIONS.has(key)) {
    if (!BOOLEAN_WORDS.has(value.toLowerCase())) {
      problems.push(`${where}: expected true or false (ocserv reads any other word as false)`);
    }
  } else if (MAIN_ADDRESS_OPTIONS.has(key)) {
    if (ipAddressFamily(value) === 0) problems.push(`${where}: expected an IPv4 or IPv6 address`);
  } else if (MAIN_ROUTE_OPTIONS.has(key)) {
    if (!isRoute(value)) problems.push(`${where}: expected default, a network like 10.0.0.0/8 or 10.0.0.0/255.0.0.0, or an IPv6 network`);
  } else if (key === 'ipv4-network') {
    if (ipAddressFamily(value.split('/')[0] ?? '') !== 4 || !isIpNetwork(value)) problems.push(`${where}: expected an IPv4 network`);
  } else if (key === 'ipv4-netmask') {
    if (prefixOfNetmask(value) === undefined) problems.push(`${where}: expected an IPv4 netmask like 255.255.255.0`);
  } else if (key === 'ipv6-network') {
    if (ipAddressFamily(value.split('/')[0] ?? '') !== 6 || !isIpNetwork(value)) problems.push(`${where}: expected an IPv6 network`);
  } else if (!MAIN_KNOWN_OPTIONS.has(key)) {
    warnings.push(`${FIELD} line ${option.line}: unknown option ${JSON.stringify(key)}; ocserv skips it`);
  }
}

/**
 * The agent reaches ocserv only through occtl on ocserv.socket_file. ocserv reads
 * use-occtl and occtl-socket-file at start only, so a candidate that turns occtl
 * off (use-occtl defaults to false) or moves its socket would not fail now; it
 * would leave the agent blind at the next restart. Refused, whatever the current file says.
 */
function checkAgentAccess(options: readonly OptionLine[], agentSocketFile: string, problems: string[]): void {
  const global = options.filter((option) => option.section === '');
  const useOcctl = lastValue(global, 'use-occtl');
  if (useOcctl === undefined || !['true', 'yes'].includes(useOcctl.toLowerCase())) {
    problems.push(
      `${FIELD}: use-occtl must be true; the agent controls ocserv through occtl (${useOcctl === undefined ? 'absent means false' : `got ${echoValue(useOcctl)}`})`,
    );
  }
  const socket = lastValue(global, 'occtl-socket-file') ?? OCSERV_DEFAULT_OCCTL_SOCKET;
  if (socket !== agentSocketFile) {
    problems.push(
      `${FIELD}: occtl-socket-file would be ${JSON.stringify(socket)} but the agent uses ${JSON.stringify(agentSocketFile)} (ocserv.socket_file); change both together, by hand`,
    );
  }
}

function compareWithCurrent(candidate: readonly OptionLine[], current: readonly OptionLine[], problems: string[], warnings: string[]): void {
  const vhosts = (options: readonly OptionLine[]) => new Set(options.map((o) => o.section).filter((s) => s.startsWith(VHOST_PREFIX)));
  const kept = vhosts(candidate);
  for (const section of vhosts(current)) {
    if (!kept.has(section)) {
      // Measured on 1.1.6: the removed vhost stays in ocserv's list with an empty config,
      // check_cfg finds no ipv4-network and the main process exits during the reload.
      problems.push(
        `${FIELD}: removes the [${section}] section; ocserv 1.1.6 exits on reload when a vhost is removed. Remove it by hand and restart ocserv`,
      );
    }
  }
  for (const key of RESTART_ONLY_OPTIONS) {
    const before = values(current, key);
    const after = values(candidate, key);
    if (before !== after) warnings.push(`${key} changed: ocserv reads it only at start, so it takes effect at the next restart`);
  }
}

function lastValue(options: readonly OptionLine[], key: string): string | undefined {
  return options.filter((option) => option.key === key).at(-1)?.value;
}

function values(options: readonly OptionLine[], key: string): string {
  return JSON.stringify(options.filter((option) => option.key === key).map((option) => [option.section, option.value]));
}

/** The same route rules as the per-user files (ocserv's route sanity check refuses a bare IPv4 address and /0 there too). */
function isRoute(value: string): boolean {
  try {
    normalizeOptionValue('route', value, 'route');
    return true;
  } catch {
    return false;
  }
}

function capped(messages: string[]): string[] {
  if (messages.length <= MAX_REPORTED) return messages;
  return [...messages.slice(0, MAX_REPORTED), `... and ${messages.length - MAX_REPORTED} more`];
}
