import { accessSync, constants as fsConstants } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AgentConfig, agentConfigSchema } from './agent-config.schema';
import { loadPolicyFile } from '../policy/policy-file.loader';
import { checkSocketDirectory } from '../ipc/socket-file/socket-directory-trust';
import { readBoundedTextFile } from './bounded-file.reader';
import { ConfigError } from './config-error';
import { formatConfigIssues, showValue } from './config-issue.formatter';
import { MAX_CONFIG_FILE_BYTES, MAX_CONFIG_YAML_ALIAS_COUNT, MAX_PEM_FILE_BYTES } from './config-limits.constant';
import { parseYamlText } from './yaml-text.parser';
import { callsPortal } from './portal-usage';
import { CONFIG_PATH_ENV, DEFAULT_CONFIG_PATH, ENV_OVERRIDES, ENV_PREFIX } from './config-sources.constant';

export interface ConfigSources {
  /** Command-line arguments after the script name. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig {
  config: AgentConfig;
  /** Absolute path of the file the config came from. */
  path: string;
}

/**
 * Reads, merges and validates the configuration: the YAML file, then the
 * environment overrides, then the schema, then the files it names. Throws
 * ConfigError listing every problem found, so one run shows them all.
 */
export function loadAgentConfig(sources: ConfigSources): LoadedConfig {
  const path = resolve(configPathFrom(sources));
  const raw = readYamlFile(path);
  const envProblems = applyEnvOverrides(raw, sources.env);
  const parsed = agentConfigSchema.safeParse(raw, { reportInput: true });
  const problems = [...envProblems, ...(parsed.success ? [] : formatConfigIssues(parsed.error.issues, agentConfigSchema))];
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(path, problems);
  }
  const fileProblems = checkReferencedFiles(parsed.data, path);
  if (fileProblems.length > 0) {
    throw new ConfigError(path, fileProblems);
  }
  return { config: parsed.data, path };
}

function configPathFrom({ argv, env }: ConfigSources): string {
  let path: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    let value: string | undefined;
    if (arg === '--config') {
      index += 1;
      value = argv[index];
    } else if (arg.startsWith('--config=')) {
      value = arg.slice('--config='.length);
    } else {
      throw new ConfigError('command line', [`${arg}: unknown argument, expected --config PATH`]);
    }
    if (value === undefined || value === '') {
      throw new ConfigError('command line', ['--config: missing, expected a path to the YAML config file']);
    }
    path = value;
  }
  return path ?? (env[CONFIG_PATH_ENV] || DEFAULT_CONFIG_PATH);
}

function readYamlFile(path: string): Record<string, unknown> {
  const file = readBoundedTextFile(path, MAX_CONFIG_FILE_BYTES);
  if (!file.ok) {
    throw new ConfigError(path, [
      `config file: ${file.reason}; pass --config PATH or set ${CONFIG_PATH_ENV} (default ${DEFAULT_CONFIG_PATH})`,
    ]);
  }
  const parsed = parseYamlText(file.text, {
    maxAliasCount: MAX_CONFIG_YAML_ALIAS_COUNT,
    aliasAdvice: 'write the value out where it is used',
  });
  if (!parsed.ok) {
    throw new ConfigError(path, parsed.problems);
  }
  const value = parsed.value;
  if (value === null || value === undefined) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(path, ['(top level): expected a mapping of sections (grpc:, http:, log: ...)']);
  }
  return withoutNullValues(value as Record<string, unknown>);
}

/**
 * `grpc:` with every line below it commented out is YAML null; an operator means
 * "defaults", so a null mapping value counts as not set, at any depth.
 */
function withoutNullValues(mapping: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (value === null) continue;
    result[key] = typeof value === 'object' && !Array.isArray(value) ? withoutNullValues(value as Record<string, unknown>) : value;
  }
  return result;
}

function applyEnvOverrides(raw: Record<string, unknown>, env: ConfigSources['env']): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === CONFIG_PATH_ENV || value === undefined) {
      continue;
    }
    const keyPath = ENV_OVERRIDES[name];
    if (keyPath === undefined) {
      problems.push(`${name}: unknown environment variable (known: ${[CONFIG_PATH_ENV, ...Object.keys(ENV_OVERRIDES)].join(', ')})`);
      continue;
    }
    setPath(raw, keyPath, value);
  }
  return problems;
}

function setPath(target: Record<string, unknown>, keyPath: readonly string[], value: string): void {
  let node = target;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) {
      node[key] = {};
    } else if (typeof next !== 'object' || Array.isArray(next)) {
      return; // the schema reports the wrong type of the section itself
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keyPath[keyPath.length - 1] as string] = value;
}

/** TLS material (ours, and the portal client's when the agent asks the portal) must exist and look right now, not at the first handshake; the hook socket's directory must be safe. */
function checkReferencedFiles(config: AgentConfig, configPath: string): string[] {
  const problems: (string | undefined)[] = [];
  if (!config.grpc.insecure) {
    const { tls } = config.grpc;
    problems.push(
      checkPemFile('grpc.tls.cert_file', tls.cert_file, CERTIFICATE_PEM, 'a PEM certificate', configPath),
      checkPemFile('grpc.tls.key_file', tls.key_file, PRIVATE_KEY_PEM, 'a PEM private key', configPath),
      checkPemFile('grpc.tls.client_ca_file', tls.client_ca_file, CERTIFICATE_PEM, 'a PEM CA certificate bundle', configPath),
    );
  }
  if (callsPortal(config) && !config.portal.insecure) {
    const { tls } = config.portal;
    problems.push(
      checkPemFile('portal.tls.cert_file', tls.cert_file, CERTIFICATE_PEM, 'a PEM certificate', configPath),
      checkPemFile('portal.tls.key_file', tls.key_file, PRIVATE_KEY_PEM, 'a PEM private key', configPath),
      checkPemFile('portal.tls.ca_file', tls.ca_file, CERTIFICATE_PEM, 'a PEM CA certificate bundle', configPath),
    );
  }
  if (config.authorization.mode === 'local') {
    problems.push(...checkPolicyFile(config.authorization.local.policy_file));
  }
  if (config.ipc.enabled) {
    // The hook believes whoever listens at this path: nobody else may be able to bind it.
    problems.push(checkSocketDirectory(config.ipc.socket_path));
  }
  return problems.filter((problem): problem is string => problem !== undefined);
}

/** authorization.mode "local" decides from this file: it must load now, not at the first connection. */
function checkPolicyFile(path: string): string[] {
  try {
    loadPolicyFile(path);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line per problem, each naming the key, rather than a list nested in a list item.
    return error.problems.map((problem) => `authorization.local.policy_file: ${showValue(path, SHOWN_PATH_MAX_CHARS)}: ${problem}`);
  }
}

/** Paths are shown longer than other values: the end of a path is usually the part that is wrong. */
const SHOWN_PATH_MAX_CHARS = 256;

/** Exact PEM headers: a CERTIFICATE REQUEST is not a certificate, an ENCRYPTED key cannot be loaded unattended. */
const CERTIFICATE_PEM = { pattern: /^-----BEGIN CERTIFICATE-----$/m, header: '"-----BEGIN CERTIFICATE-----" line' };
const PRIVATE_KEY_PEM = {
  pattern: /^-----BEGIN (RSA |EC )?PRIVATE KEY-----$/m,
  header: '"-----BEGIN PRIVATE KEY-----" line (or its RSA/EC form)',
};

function checkPemFile(
  key: string,
  path: string,
  marker: { pattern: RegExp; header: string },
  expected: string,
  configPath: string,
): string | undefined {
  const shown = showValue(path, SHOWN_PATH_MAX_CHARS);
  if (!isAbsolute(path)) {
    return `${key}: got ${shown}, expected an absolute path (relative paths depend on the working directory; config is ${configPath})`;
  }
  try {
    accessSync(path, fsConstants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'not readable by the agent' : code;
    return `${key}: ${shown}: ${reason}, expected ${expected}`;
  }
  // accessSync(R_OK) passes for a directory, a FIFO and /dev/zero; the bounded read refuses them.
  const file = readBoundedTextFile(path, MAX_PEM_FILE_BYTES);
  if (!file.ok) {
    return `${key}: ${shown}: ${file.reason}, expected ${expected}`;
  }
  if (!marker.pattern.test(file.text)) {
    return `${key}: ${shown} does not contain ${expected} (no ${marker.header})`;
  }
  return undefined;
}
