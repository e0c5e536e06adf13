import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The compiled connect-script hook (docs/hook.md), built by scripts/build-hook.sh. */
export const HOOK_BINARY = resolve(__dirname, '../../dist-hook/ocserv-agent-hook');

const BUILD_SCRIPT = resolve(__dirname, '../../scripts/build-hook.sh');

export type OnAgentUnreachable = 'deny' | 'allow';

export interface HookConfigInput {
  readonly socket: string;
  readonly timeoutMs?: number;
  readonly onAgentUnreachable?: OnAgentUnreachable;
  readonly maxRequestBytes?: number;
  readonly agentUid?: number;
}

/** Compiles the hook unless the binary is newer than its source (a no-op then, a few ms). */
export function buildHook(): void {
  execFileSync('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes `dir`/hook.conf and returns its path, for OCSERV_AGENT_HOOK_CONFIG. */
export function writeHookConfig(dir: string, input: HookConfigInput): string {
  const path = join(dir, 'hook.conf');
  const lines = [
    `socket = ${input.socket}`,
    ...(input.timeoutMs === undefined ? [] : [`timeout_ms = ${input.timeoutMs}`]),
    ...(input.onAgentUnreachable === undefined ? [] : [`on_agent_unreachable = ${input.onAgentUnreachable}`]),
    ...(input.maxRequestBytes === undefined ? [] : [`max_request_bytes = ${input.maxRequestBytes}`]),
    ...(input.agentUid === undefined ? [] : [`agent_uid = ${input.agentUid}`]),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o644 });
  return path;
}
