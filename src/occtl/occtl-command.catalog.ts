/*
 * Every occtl command the agent knows, what its argument is and how to read its
 * output. ocserv 1.1.6 (Debian 12) has the first 16; `terminate ...` arrived in
 * later releases and is offered only when the installed occtl lists it in --help
 * (OcctlCapabilities). The names double as the values of
 * `ocserv.allowed_commands` and of ExecuteCommand's command.
 */

/** How an argument is validated before it becomes an occtl argv entry. */
export enum OcctlArgKind {
  Username = 'username',
  WorkerId = 'worker-id',
  IpAddress = 'ip',
  SessionId = 'session-id',
}

/** `json`: run with -j and parse; `text`: judge by exit code (occtl prints text even with -j); `stream`: never ends. */
export type OcctlOutputKind = 'json' | 'text' | 'stream';

export interface OcctlCommandSpec {
  readonly name: OcctlCommandName;
  readonly words: readonly string[];
  readonly arg: OcctlArgKind | undefined;
  readonly output: OcctlOutputKind;
}

export const OCCTL_COMMAND_NAMES = [
  'disconnect user',
  'disconnect id',
  'unban ip',
  'reload',
  'show status',
  'show users',
  'show ip bans',
  'show ip ban points',
  'show iroutes',
  'show sessions all',
  'show sessions valid',
  'show session',
  'show user',
  'show id',
  'show events',
  'stop now',
  'terminate user',
  'terminate id',
  'terminate session',
] as const;

export type OcctlCommandName = (typeof OCCTL_COMMAND_NAMES)[number];

const ARGUMENT_OF: Partial<Record<OcctlCommandName, OcctlArgKind>> = {
  'disconnect user': OcctlArgKind.Username,
  'disconnect id': OcctlArgKind.WorkerId,
  'unban ip': OcctlArgKind.IpAddress,
  'show session': OcctlArgKind.SessionId,
  'show user': OcctlArgKind.Username,
  'show id': OcctlArgKind.WorkerId,
  'terminate user': OcctlArgKind.Username,
  'terminate id': OcctlArgKind.WorkerId,
  'terminate session': OcctlArgKind.SessionId,
};

function outputOf(name: OcctlCommandName): OcctlOutputKind {
  if (name === 'show events') return 'stream';
  return name.startsWith('show ') ? 'json' : 'text';
}

export const OCCTL_COMMANDS: ReadonlyMap<OcctlCommandName, OcctlCommandSpec> = new Map(
  OCCTL_COMMAND_NAMES.map((name) => [
    name,
    Object.freeze({ name, words: Object.freeze(name.split(' ')), arg: ARGUMENT_OF[name], output: outputOf(name) }),
  ]),
);

/** Commands that exist in every occtl the agent supports (1.1.6 and later). */
export const BASELINE_OCCTL_COMMANDS: readonly OcctlCommandName[] = OCCTL_COMMAND_NAMES.filter(
  (name) => !name.startsWith('terminate '),
);

/**
 * ExecuteCommand's default allowlist: every one-shot `show` plus disconnect, unban
 * and reload. `stop now` and `terminate ...` must be listed explicitly;
 * `show events` never ends, so ExecuteCommand refuses it whatever the list says.
 */
export const DEFAULT_ALLOWED_OCCTL_COMMANDS: readonly OcctlCommandName[] = OCCTL_COMMAND_NAMES.filter(
  (name) =>
    (name.startsWith('show ') && name !== 'show events') ||
    name.startsWith('disconnect ') ||
    name === 'unban ip' ||
    name === 'reload',
);

export function occtlCommand(name: OcctlCommandName): OcctlCommandSpec {
  const spec = OCCTL_COMMANDS.get(name);
  if (spec === undefined) {
    throw new Error(`unknown occtl command ${name}`);
  }
  return spec;
}

/**
 * Splits request words into a known command and its arguments, matching the
 * longest command name first ("show sessions all" before a hypothetical "show sessions").
 */
export function matchOcctlCommand(words: readonly string[]): { spec: OcctlCommandSpec; args: string[] } | undefined {
  for (let length = Math.min(words.length, 4); length > 0; length -= 1) {
    const spec = OCCTL_COMMANDS.get(words.slice(0, length).join(' ') as OcctlCommandName);
    if (spec !== undefined) {
      return { spec, args: words.slice(length) };
    }
  }
  return undefined;
}
