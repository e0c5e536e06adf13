import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import {
  matchOcctlCommand,
  OCCTL_COMMAND_NAMES,
  OcctlArgKind,
  OcctlCommandName,
  OcctlCommandSpec,
} from '../occtl/occtl-command.catalog';
import { occtlErrorText } from '../occtl/occtl-failure';
import { OcctlService } from '../occtl/occtl.service';
import { assertIpAddress, assertUsername, echoValue } from '../validation/vpn-identifiers';
import type { CommandOrder, CommandOutcome } from './agent-requests';

/** Worker ids are pids: positive 32-bit integers. */
const WORKER_ID_PATTERN = /^[1-9][0-9]{0,9}$/;
const MAX_WORKER_ID = 2 ** 31 - 1;
/** occtl session ids are base64 prefixes (6 chars) or whole (28 chars). */
const OCSERV_SESSION_ID_PATTERN = /^[A-Za-z0-9+/=]{1,64}$/;

/**
 * ExecuteCommand: occtl only, each command on the `ocserv.allowed_commands`
 * list, its argument checked by kind (a username, a worker id, an IP, a session
 * id), then run through OcctlService with no shell. Nothing runs unless every
 * check passed.
 */
@Injectable()
export class CommandExecutor {
  private readonly allowed: ReadonlySet<OcctlCommandName>;

  constructor(
    private readonly occtl: OcctlService,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.allowed = new Set(config.get('ocserv', { infer: true }).allowed_commands);
  }

  async execute(order: CommandOrder): Promise<CommandOutcome> {
    const { spec, args } = this.resolve(order.words);
    const output = await this.occtl.runCommand(spec, args, order.timeoutMs);
    return {
      exitCode: output.exitCode,
      stdout: output.stdout,
      stderr: output.stderr,
      errorMessage:
        output.exitCode === 0 ? '' : `occtl ${spec.name} exited ${output.exitCode}: ${occtlErrorText(output)}`,
    };
  }

  /** The command and its validated arguments; throws before anything runs. */
  resolve(words: readonly string[]): { spec: OcctlCommandSpec; args: string[] } {
    const match = matchOcctlCommand(words);
    if (match === undefined) {
      throw AgentError.invalidArgument(
        `unknown occtl command ${echoValue(words.join(' '))}; known: ${OCCTL_COMMAND_NAMES.join(', ')}`,
      );
    }
    const { spec, args } = match;
    if (spec.output === 'stream') {
      throw AgentError.invalidArgument(`"${spec.name}" never ends; the agent's session events come from it already`);
    }
    if (!this.allowed.has(spec.name)) {
      throw AgentError.permissionDenied(`occtl "${spec.name}" is not in ocserv.allowed_commands on this agent`);
    }
    const expected = spec.arg === undefined ? 0 : 1;
    if (args.length !== expected) {
      throw AgentError.invalidArgument(
        `"${spec.name}" takes ${expected === 0 ? 'no argument' : `one ${spec.arg} argument`}; got ${args.length}`,
      );
    }
    return { spec, args: spec.arg === undefined ? [] : [validateArgument(spec.arg, args[0] ?? '')] };
  }
}

function validateArgument(kind: OcctlArgKind, value: string): string {
  switch (kind) {
    case OcctlArgKind.Username:
      return assertUsername(value, 'argument');
    case OcctlArgKind.IpAddress:
      return assertIpAddress(value, 'argument');
    case OcctlArgKind.WorkerId:
      if (!WORKER_ID_PATTERN.test(value) || Number(value) > MAX_WORKER_ID) {
        throw AgentError.invalidArgument(`argument must be a session (worker) id, a positive integer; got ${echoValue(value)}`);
      }
      return value;
    case OcctlArgKind.SessionId:
      if (!OCSERV_SESSION_ID_PATTERN.test(value)) {
        throw AgentError.invalidArgument(`argument must be an ocserv session id (base64 characters); got ${echoValue(value)}`);
      }
      return value;
  }
}
