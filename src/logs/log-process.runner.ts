import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ChildProcessByStdio, spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { AgentError } from '../errors/agent-error';
import { LineSplitter } from '../child-process/line-splitter';
import { OCSERV_LOG_CONFIG, OcservLogConfig } from './ocserv-log.config';
import { StreamDemand, UNLIMITED_DEMAND } from './stream-demand';

export interface LogCommand {
  /** Absolute path, or a name looked up in CHILD_ENV's PATH. */
  readonly path: string;
  readonly args: readonly string[];
  /** Appended to the error when `path` cannot be started: which config key to fix. */
  readonly startFailureHint: string;
}

export const MAX_LOG_LINE_BYTES = 64 * 1024;
export const LOG_PROCESS_STOP_GRACE_MS = 2_000;
/** Each StreamLogs call on ocserv/system holds one child; a burst of callers must not fork without bound. */
export const MAX_LOG_PROCESSES = 32;
/** How much of the child's stderr an exit error quotes. */
const STDERR_TAIL_CHARS = 500;
/** setpriv's exit codes when it cannot exec the command (util-linux errexec: 127 not found, 126 otherwise). */
const EXEC_FAILED_EXIT_CODES: Readonly<Record<number, string>> = { 126: 'cannot be executed', 127: 'not found' };
type LogChild = ChildProcessByStdio<null, Readable, Readable>;

const CHILD_ENV: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', SYSTEMD_COLORS: '0' };

/**
 * The one place the logs feature starts processes (journalctl, tail): argv only,
 * no shell, stdout as lines capped at MAX_LOG_LINE_BYTES.
 *
 * Lines flow only while the reader's StreamDemand is ready; otherwise the
 * child's stdout is paused, the pipe fills and the child blocks in write(). A
 * reader that never reads therefore holds at most one read chunk (64 KiB) and
 * one partial line, however large the log.
 *
 * Children run under `setpriv --pdeathsig KILL`, as `occtl show events` does: a
 * `tail -F` or `journalctl -f` never ends by itself, and without it a SIGKILLed
 * agent left them running under init. Unsubscribing stops the child with
 * SIGTERM, then SIGKILL after LOG_PROCESS_STOP_GRACE_MS; Node reaps it when it
 * exits. Errors are AgentErrors: UNAVAILABLE when the command cannot start or
 * exits non-zero.
 */
@Injectable()
export class LogProcessRunner implements OnApplicationShutdown {
  private readonly children = new Map<number, LogChild>();

  constructor(@Inject(OCSERV_LOG_CONFIG) private readonly config: OcservLogConfig) {}

  /** Pids of the children started here that have not exited yet (tests check they are reaped). */
  activePids(): number[] {
    return [...this.children.keys()];
  }

  lines(command: LogCommand, demand: StreamDemand = UNLIMITED_DEMAND): Observable<string> {
    return new Observable<string>((subscriber) => {
      if (this.children.size >= MAX_LOG_PROCESSES) {
        subscriber.error(AgentError.resourceExhausted(`${this.children.size} log streams are open; close one or try again later`));
        return undefined;
      }
      const child = spawn(this.config.setpriv_path, ['--pdeathsig', 'KILL', '--', command.path, ...command.args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: CHILD_ENV,
      });
      const pid = child.pid;
      if (pid !== undefined) this.children.set(pid, child);
      const splitter = new LineSplitter(MAX_LOG_LINE_BYTES);
      let stderrTail = '';
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        const last = splitter.end();
        if (last !== undefined) subscriber.next(last);
        if (code === 0) {
          subscriber.complete();
        } else if (code !== null && EXEC_FAILED_EXIT_CODES[code] !== undefined && stderrTail.includes('failed to execute')) {
          subscriber.error(startFailure(command, EXEC_FAILED_EXIT_CODES[code]));
        } else {
          const detail = stderrTail.trim() === '' ? '' : `: ${stderrTail.trim()}`;
          subscriber.error(AgentError.unavailable(`${basename(command.path)} exited with ${code ?? signal}${detail}`));
        }
      };
      // Hands lines over while the reader takes them; what it cannot take yet stays in the splitter.
      const pump = (): void => {
        while (!subscriber.closed && demand.isReady()) {
          const line = splitter.nextLine();
          if (line === undefined) break;
          subscriber.next(line);
        }
        if (subscriber.closed) return;
        if (splitter.hasUnread) {
          child.stdout.pause();
        } else if (exit !== undefined) {
          finish(exit.code, exit.signal);
        } else {
          child.stdout.resume();
        }
      };
      const stopListening = demand.onReady(pump);
      child.stdout.on('data', (chunk: Buffer) => {
        splitter.feed(chunk);
        pump();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
      child.once('error', (error: NodeJS.ErrnoException) =>
        subscriber.error(
          startFailure(
            { path: this.config.setpriv_path, args: [], startFailureHint: ': util-linux setpriv starts the log readers; check ocserv.setpriv_path' },
            error.code ?? error.message,
          ),
        ),
      );
      child.once('close', (code, signal) => {
        if (pid !== undefined) this.children.delete(pid);
        exit = { code, signal };
        pump();
      });
      return () => {
        stopListening();
        stopChild(child);
      };
    });
  }

  onApplicationShutdown(): void {
    this.children.forEach((child) => stopChild(child));
  }
}

function stopChild(child: LogChild): void {
  // Nobody reads any more; closing the pipes also stops a child blocked on a full one.
  child.stdout.destroy();
  child.stderr.destroy();
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), LOG_PROCESS_STOP_GRACE_MS);
  killTimer.unref();
  child.once('close', () => clearTimeout(killTimer));
}

function startFailure(command: LogCommand, reason: string): AgentError {
  const said = reason === 'ENOENT' ? 'not found' : reason;
  return AgentError.unavailable(`cannot start ${command.path} (${said})${command.startFailureHint}`);
}
