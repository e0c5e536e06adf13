import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AgentConfig, UserConfigConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';
import { assertUsername } from '../validation/vpn-identifiers';
import { summarizeChange } from './config-change.summary';
import { emptyDocument, type ConfigDocument } from './config-document';
import { resolveLocalId } from './config-file-owner';
import { ConfigFileWriter, type ConfigTarget } from './config-file.writer';
import { nameFieldOf, type ConfigScope } from './config-scope';
import { replaceOptions } from './config-edits';
import { optionsFromJson, parseConfigText } from './ocserv-config.parser';
import { renderConfig } from './ocserv-config.renderer';

export interface StoredConfig {
  readonly scope: ConfigScope;
  readonly name: string;
  readonly path: string;
  readonly found: boolean;
  /** An empty document when the file does not exist. */
  readonly document: ConfigDocument;
  readonly modifiedAtMs: number | undefined;
}

export interface ConfigWriteOptions {
  /** Render and validate only; nothing on disk changes. */
  readonly validateOnly?: boolean;
  /** Keep the current file in <dir>/.backups before replacing it (default true). */
  readonly backup?: boolean;
}

export interface ConfigWriteOutcome {
  readonly path: string;
  /** '' when no backup was made (validate_only, a new file, no change, or backup: false). */
  readonly backupPath: string;
  /** False when the file already said exactly this (nothing was written). */
  readonly changed: boolean;
  readonly validateOnly: boolean;
  /** Short diff of the options, e.g. `route +10.0.0.0/8; dns -1.1.1.1`. */
  readonly change: string;
  /** The file as written (or as it would be, for validate_only). */
  readonly rendered: string;
}

/** A change to one file's model: gets the current document, returns the new one (pure). */
export type DocumentEdit = (current: ConfigDocument) => ConfigDocument;

/**
 * ocserv's per-user and per-group files (config-per-user/<name>, config-per-group/<name>):
 * read into the option model, changed through it, written by the one ConfigFileWriter.
 * Every name is checked against the same allowlist as the rest of the agent before it
 * becomes a path; an edit's read-modify-write runs under the file's lock, so concurrent
 * edits of one user never lose each other.
 */
@Injectable()
export class UserConfigService implements OnModuleInit {
  private readonly logger = new Logger(UserConfigService.name);
  private readonly settings: UserConfigConfig;
  private readonly dirs: Readonly<Record<ConfigScope, string>>;
  private uid: number | undefined;
  private gid: number | undefined;

  constructor(
    private readonly writer: ConfigFileWriter,
    config: ConfigService<AgentConfig, true>,
  ) {
    this.settings = config.get('user_config', { infer: true });
    const ocserv = config.get('ocserv', { infer: true });
    this.dirs = { user: ocserv.config_per_user_dir, group: ocserv.config_per_group_dir };
  }

  async onModuleInit(): Promise<void> {
    this.uid = await resolveLocalId('user_config.owner', this.settings.owner, '/etc/passwd');
    this.gid = await resolveLocalId('user_config.group', this.settings.group, '/etc/group');
  }

  /** The file's path for a valid name; throws INVALID_ARGUMENT naming the field otherwise. */
  pathOf(scope: ConfigScope, name: string): string {
    return this.writer.pathOf(this.target(scope, name));
  }

  async read(scope: ConfigScope, name: string): Promise<StoredConfig> {
    const target = this.target(scope, name);
    const stored = await this.writer.readStored(target);
    const path = this.writer.pathOf(target);
    if (stored === undefined) {
      return { scope, name, path, found: false, document: emptyDocument(), modifiedAtMs: undefined };
    }
    return { scope, name, path, found: true, document: this.parseStored(stored.text, path), modifiedAtMs: stored.modifiedAtMs };
  }

  /** Applies `edit` to the file's current model and writes the result (or only renders it, validate_only). */
  async edit(scope: ConfigScope, name: string, edit: DocumentEdit, options: ConfigWriteOptions = {}): Promise<ConfigWriteOutcome> {
    const target = this.target(scope, name);
    const path = this.writer.pathOf(target);
    let change = 'no change';
    let rendered = '';
    const transform = (current: string | undefined): string => {
      const before = current === undefined ? emptyDocument() : this.parseStored(current, path);
      const after = edit(before);
      change = summarizeChange(before.options, after.options);
      rendered = this.checkedSize(renderConfig(after), path);
      return rendered;
    };
    if (options.validateOnly === true) {
      transform(await this.writer.read(target));
      return { path, backupPath: '', changed: false, validateOnly: true, change, rendered };
    }
    const result = await this.writer.update(target, transform, { backup: options.backup !== false });
    if (result.changed) this.logger.log({ msg: 'ocserv config file written', scope, name, path, change, backup: result.backupPath || undefined });
    return { path, backupPath: result.backupPath, changed: result.changed, validateOnly: false, change, rendered };
  }

  /**
   * UpdateConfig PER_USER / PER_GROUP. A body starting with `{` is JSON of the model's options
   * and replaces the file's options (its comments and unknown lines stay); any other body is
   * the whole file in ocserv's own `key = value` syntax. Either is validated before anything is written.
   */
  async replaceBody(scope: ConfigScope, name: string, body: string, field: string, options: ConfigWriteOptions = {}): Promise<ConfigWriteOutcome> {
    this.target(scope, name);
    if (Buffer.byteLength(body) > this.settings.max_file_bytes) {
      throw AgentError.invalidArgument(`${field} is ${Buffer.byteLength(body)} bytes, over user_config.max_file_bytes ${this.settings.max_file_bytes}`);
    }
    if (body.trimStart().startsWith('{')) {
      const parsed = parseJsonBody(body, field);
      const model = optionsFromJson(parsed, field);
      return this.edit(scope, name, (current) => replaceOptions(current, model), options);
    }
    const document = parseConfigText(body, field);
    return this.edit(scope, name, () => document, options);
  }

  private target(scope: ConfigScope, name: string): ConfigTarget {
    assertUsername(name, nameFieldOf(scope));
    return { dir: this.dirs[scope], name, mode: this.settings.file_mode, uid: this.uid, gid: this.gid };
  }

  /** A file on disk that the model refuses is the operator's to fix; the agent does not build on it. */
  private parseStored(text: string, path: string): ConfigDocument {
    try {
      return parseConfigText(text, path);
    } catch (error) {
      if (error instanceof AgentError) throw AgentError.failedPrecondition(`${path} on disk is not valid, fix it or replace it whole (UpdateConfig): ${error.message}`);
      throw error;
    }
  }

  private checkedSize(rendered: string, path: string): string {
    const bytes = Buffer.byteLength(rendered);
    if (bytes > this.settings.max_file_bytes) {
      throw AgentError.invalidArgument(`${path} would be ${bytes} bytes, over user_config.max_file_bytes ${this.settings.max_file_bytes}`);
    }
    return rendered;
  }
}

function parseJsonBody(body: string, field: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw AgentError.invalidArgument(`${field}: not valid JSON (${(error as Error).message.slice(0, 120)})`);
  }
}
