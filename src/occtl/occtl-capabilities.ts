import { Injectable, Logger } from '@nestjs/common';
import { AgentError } from '../errors/agent-error';
import { BASELINE_OCCTL_COMMANDS, OCCTL_COMMAND_NAMES, OcctlCommandName } from './occtl-command.catalog';
import { OcctlRunner } from './occtl-runner';

const VERSION_PATTERN = /version\s+(\d+\.\d+(?:\.\d+)?)/i;

/**
 * Which commands the installed occtl has. `occtl --help` lists them (one per
 * line, "<words> [ARG]<TAB>description"), which is more reliable than guessing
 * from the version number: distributions backport. Until detection ran, or when
 * it failed, the 1.1.6 baseline is assumed.
 */
@Injectable()
export class OcctlCapabilities {
  private readonly logger = new Logger(OcctlCapabilities.name);
  private supported: ReadonlySet<OcctlCommandName> = new Set(BASELINE_OCCTL_COMMANDS);
  private detectedVersion: string | undefined;

  constructor(private readonly runner: OcctlRunner) {}

  get version(): string | undefined {
    return this.detectedVersion;
  }

  async detect(): Promise<void> {
    try {
      const [help, version] = await Promise.all([this.runner.run(['--help']), this.runner.run(['--version'])]);
      this.detectedVersion = parseOcctlVersion(`${version.stdout}\n${version.stderr}`);
      const listed = parseHelpCommands(help.stdout);
      if (listed.size > 0) {
        this.supported = listed;
      }
      this.logger.log({ msg: 'occtl detected', version: this.detectedVersion ?? 'unknown', commands: [...this.supported] });
    } catch (error) {
      this.logger.warn({ msg: 'occtl detection failed; assuming the ocserv 1.1.6 command set', error: String(error) });
    }
  }

  isSupported(name: OcctlCommandName): boolean {
    return this.supported.has(name);
  }

  assertSupported(name: OcctlCommandName): void {
    if (!this.isSupported(name)) {
      throw AgentError.failedPrecondition(
        `the installed occtl (${this.detectedVersion ?? 'version unknown'}) has no "${name}" command`,
      );
    }
  }
}

/** "1.1.6" from `occtl --version` (which prints to stderr), or undefined. */
export function parseOcctlVersion(text: string): string | undefined {
  return VERSION_PATTERN.exec(text)?.[1];
}

/** Known command names found in occtl --help output. */
export function parseHelpCommands(help: string): Set<OcctlCommandName> {
  const known = new Set<string>(OCCTL_COMMAND_NAMES);
  const found = new Set<OcctlCommandName>();
  for (const line of help.split('\n')) {
    const usage = line.split('\t')[0]?.replace(/\[[A-Z]+\]/g, '').trim().replace(/\s+/g, ' ');
    if (usage !== undefined && known.has(usage)) {
      found.add(usage as OcctlCommandName);
    }
  }
  return found;
}
