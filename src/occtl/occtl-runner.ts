import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { AgentConfig, OcservConfig } from '../config/agent-config.schema';
import { AgentError } from '../errors/agent-error';

export interface OcctlRunOptions {
  /** Overrides ocserv.command_timeout_ms for this run. */
  readonly timeoutMs?: number;
}

export interface OcctlRunResult {
  /** null when the child was killed by a signal (timeout, output cap). */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** The child printed more than ocserv.max_output_bytes and was killed. */
  readonly outputTruncated: boolean;
  readonly durationMs: number;
}

/** Commands waiting for a free slot beyond this are refused rather than queued without bound. */
const MAX_QUEUED_COMMANDS = 256;

/** occtl formats numbers and dates by locale; the parsers expect C. */
const CHILD_ENV: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' };

/**
 * The one place the agent starts occtl: argv only (no shell), `-s <socket>`
 * always first, a kill on timeout, a cap on output and at most
 * `ocserv.max_concurrent_commands` children at once (occtl is cheap, but a burst
 * of portal calls must not fork hundreds of processes).
 */
@Injectable()
export class OcctlRunner {
  private readonly config: OcservConfig;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(config: ConfigService<AgentConfig, true>) {
    this.config = config.get('ocserv', { infer: true });
  }

  get socketFile(): string {
    return this.config.socket_file;
  }

  /** The default per-command timeout (ocserv.command_timeout_ms). */
  get timeoutMs(): number {
    return this.config.command_timeout_ms;
  }

  /** Runs `occtl -s <socket> ...args` to completion. Throws only when occtl cannot be started. */
  async run(args: readonly string[], options: OcctlRunOptions = {}): Promise<OcctlRunResult> {
    await this.acquireSlot();
    try {
      return await this.runChild(args, options.timeoutMs ?? this.config.command_timeout_ms);
    } finally {
      this.releaseSlot();
    }
  }

  /**
   * Starts a long-running occtl (show events). Its stdin stays an open pipe:
   * occtl polls stdin for 'q' and spins at 100 % CPU on EOF. That is also what
   * an orphan would do if the agent died without stopping it, so setpriv gives it
   * a parent-death signal (kept across the execs). stdbuf makes its stdout
   * line-buffered; without it events sit in a 4 KiB buffer.
   */
  spawnStream(args: readonly string[]): ChildProcessWithoutNullStreams {
    const occtl = [this.config.occtl_path, '-s', this.config.socket_file, ...args];
    return spawn(this.config.setpriv_path, ['--pdeathsig', 'KILL', this.config.stdbuf_path, '-oL', ...occtl], {
      env: CHILD_ENV,
      stdio: 'pipe',
    });
  }

  private runChild(args: readonly string[], timeoutMs: number): Promise<OcctlRunResult> {
    const startedMs = performance.now();
    const maxBytes = this.config.max_output_bytes;
    return new Promise((resolve, reject) => {
      const child = spawn(this.config.occtl_path, ['-s', this.config.socket_file, ...args], {
        env: CHILD_ENV,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let bytes = 0;
      let timedOut = false;
      let outputTruncated = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        if (outputTruncated) return;
        bytes += chunk.length;
        if (bytes > maxBytes) {
          outputTruncated = true;
          child.kill('SIGKILL');
          return;
        }
        into.push(chunk);
      };
      child.stdout.on('data', collect(stdout));
      child.stderr.on('data', collect(stderr));
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(this.startFailure(error));
      });
      child.once('close', (exitCode) => {
        clearTimeout(timer);
        resolve({
          exitCode,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          timedOut,
          outputTruncated,
          durationMs: performance.now() - startedMs,
        });
      });
    });
  }

  private startFailure(error: NodeJS.ErrnoException): AgentError {
    const hint = error.code === 'ENOENT' ? ': is the ocserv package installed? (ocserv.occtl_path)' : '';
    return AgentError.unavailable(`cannot start occtl at ${this.config.occtl_path} (${error.code ?? error.message})${hint}`, {
      cause: error,
    });
  }

  private acquireSlot(): Promise<void> {
    if (this.running < this.config.max_concurrent_commands) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= MAX_QUEUED_COMMANDS) {
      return Promise.reject(
        AgentError.resourceExhausted(
          `${this.running} occtl commands are running and ${this.waiting.length} waiting; try again shortly`,
        ),
      );
    }
    // The slot passes straight from releaseSlot to the waiter: `running` stays counted.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      next();
    } else {
      this.running -= 1;
    }
  }
}
