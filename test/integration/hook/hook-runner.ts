import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_BINARY } from '../../support/hook';

export { HOOK_BINARY, buildHook, writeHookConfig } from '../../support/hook';

export interface HookRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface RunHookOptions {
  /** Path of the hook config, passed as OCSERV_AGENT_HOOK_CONFIG; unset means the hook's default lookup. */
  readonly config?: string;
  /** Variables whose values are raw bytes (e.g. invalid UTF-8), which Node cannot put into an env directly. */
  readonly rawEnv?: Readonly<Record<string, Buffer>>;
  /** Run the hook as this uid and gid (the test runs as root), e.g. 65534 for nobody. */
  readonly runAs?: { readonly uid: number; readonly gid: number };
}

const RUN_TIMEOUT_MS = 15_000;

/**
 * Runs the compiled hook with exactly `env` (nothing inherited from the test
 * process) and resolves once it exited. Node encodes every env string as UTF-8,
 * so byte values that are not UTF-8 go through bash: `printf %b` decodes \xHH
 * escapes into the raw bytes, then bash execs the hook with them exported.
 */
export function runHook(env: Readonly<Record<string, string>>, options: RunHookOptions = {}): Promise<HookRun> {
  const fullEnv = { ...env, ...(options.config === undefined ? {} : { OCSERV_AGENT_HOOK_CONFIG: options.config }) };
  const raw = Object.entries(options.rawEnv ?? {});
  const binary = options.runAs === undefined ? HOOK_BINARY : hookBinaryForOtherUids();
  const [command, args] = raw.length === 0
    ? [binary, []]
    : ['/bin/bash', ['-c', rawEnvScript(raw.length), binary, ...raw.flatMap(([name, bytes]) => [name, hexEscapes(bytes)])]];
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], ...options.runAs });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hook did not exit within ${RUN_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

let copyForOtherUids: string | undefined;

/**
 * The checkout may sit below a directory other uids cannot traverse (a 0700 home
 * or mktemp directory): a uid-switched run gets a copy in a 0755 directory of its own.
 */
function hookBinaryForOtherUids(): string {
  if (copyForOtherUids === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-hook-bin-'));
    chmodSync(dir, 0o755);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    copyForOtherUids = join(dir, 'ocserv-agent-hook');
    copyFileSync(HOOK_BINARY, copyForOtherUids);
    chmodSync(copyForOtherUids, 0o755);
  }
  return copyForOtherUids;
}

/** bash -c script: $0 is the hook, then name/escaped-value pairs. */
function rawEnvScript(pairs: number): string {
  const exports = Array.from({ length: pairs }, (_, i) => `printf -v v '%b' "\${${2 * i + 2}}" && export "\${${2 * i + 1}}=$v"`);
  return `${exports.join(' && ')} && unset v && exec "$0"`;
}

function hexEscapes(bytes: Buffer): string {
  return [...bytes].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
}
