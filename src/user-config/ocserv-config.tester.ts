import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig, MainConfigConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';

/** What `ocserv --test-config` said about a candidate ocserv.conf. */
export interface OcservConfigTestResult {
  readonly ok: boolean;
  /** ocserv's error lines (or why the test could not run), trimmed, secrets and temp paths replaced. */
  readonly problems: readonly string[];
  /** ocserv's `warning:` lines, e.g. "skipping unknown option 'foo'". */
  readonly warnings: readonly string[];
}

/** ocserv prints a few lines per problem; more than this is a flood, not information. */
const MAX_OUTPUT_BYTES = 64 * 1024;
const MAX_MESSAGES = 20;
const MAX_MESSAGE_LENGTH = 300;
const CANDIDATE_NAME = 'ocserv.conf';
/** ocserv resolves relative paths from its cwd; as a daemon (systemd) that is `/`. */
const DAEMON_CWD = '/';
const CHILD_ENV: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' };
/** Option values that may hold a secret; they are blanked out of anything ocserv prints back. */
const SECRET_KEY_PATTERN = /secret|password|passwd|pin|psk|token/i;

/**
 * Runs the installed ocserv's own parser on a candidate ocserv.conf:
 * `ocserv --test-config -c <candidate>` (`-t`, present since 1.0; measured on
 * 1.1.6). It exits 1 on a bad route, a missing or unreadable certificate, a bad
 * tls-priorities string, and 0 otherwise; unknown options only print a warning,
 * and numbers go through strtol (`max-clients = abc` is 0): main-config.checks.ts
 * covers what it misses. The candidate is written 0600 into a fresh 0700 mkdtemp
 * dir and removed after, whatever happened.
 */
@Injectable()
export class OcservConfigTester {
  private readonly config: MainConfigConfig;

  constructor(config: ConfigService<AgentConfig, true>) {
    this.config = config.get('main_config', { infer: true });
  }

  async test(content: string): Promise<OcservConfigTestResult> {
    const dir = await mkdtemp(join(tmpdir(), 'ocserv-agent-candidate-'));
    const candidate = join(dir, CANDIDATE_NAME);
    try {
      await writeFile(candidate, content, { mode: 0o600, flag: 'wx' });
      const run = await this.run(candidate);
      return toResult(run, (text) => scrub(text, candidate, this.config.path, secretValues(content)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private run(candidate: string): Promise<TestRun> {
    return new Promise((resolve, reject) => {
      execFile(
        this.config.ocserv_path,
        ['--test-config', '-c', candidate],
        {
          cwd: DAEMON_CWD,
          env: CHILD_ENV,
          timeout: this.config.test_timeout_ms,
          killSignal: 'SIGKILL',
          maxBuffer: MAX_OUTPUT_BYTES,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          const failure = error as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
          if (failure !== null && typeof failure.code === 'string' && failure.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            reject(AgentError.unavailable(
              `cannot run ${this.config.ocserv_path} --test-config (${failure.code}); is ocserv installed? (main_config.ocserv_path)`,
            ));
            return;
          }
          const exitCode = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
          const truncated = failure?.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
          const timedOut = failure !== null && failure.killed === true && !truncated;
          resolve({ exitCode, output: `${stderr}\n${stdout}`, timedOut, truncated });
        },
      );
    });
  }
}

interface TestRun {
  readonly exitCode: number | null;
  readonly output: string;
  readonly timedOut: boolean;
  readonly truncated: boolean;
}

function toResult(run: TestRun, clean: (text: string) => string): OcservConfigTestResult {
  const lines = run.output.split('\n').map((line) => clean(line.trim())).filter((line) => line !== '');
  const warnings = lines.filter((line) => /^warning:/i.test(line)).slice(0, MAX_MESSAGES);
  const errors = lines.filter((line) => !/^(note|warning):/i.test(line)).slice(0, MAX_MESSAGES);
  if (run.timedOut) return { ok: false, problems: [`ocserv --test-config did not finish (main_config.test_timeout_ms)`], warnings };
  if (run.truncated) return { ok: false, problems: [`ocserv --test-config printed more than ${MAX_OUTPUT_BYTES} bytes`], warnings };
  if (run.exitCode === 0) return { ok: true, problems: [], warnings };
  const why = errors.length > 0 ? errors : [`ocserv --test-config exited with ${run.exitCode ?? 'a signal'} without saying why`];
  return { ok: false, problems: why, warnings };
}

/** Values of options that look secret, so an error line quoting one does not carry it into a response or a log. */
function secretValues(content: string): string[] {
  const values: string[] = [];
  for (const line of content.split('\n')) {
    const match = /^\s*([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined && match[2].length >= 4 && SECRET_KEY_PATTERN.test(match[1])) {
      values.push(match[2].replace(/^"(.*)"$/, '$1'));
    }
  }
  return values;
}

function scrub(text: string, candidate: string, realPath: string, secrets: readonly string[]): string {
  let out = text.split(candidate).join(realPath);
  for (const secret of secrets) out = out.split(secret).join('***');
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return out.length > MAX_MESSAGE_LENGTH ? `${out.slice(0, MAX_MESSAGE_LENGTH)}…` : out;
}
