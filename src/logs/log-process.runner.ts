import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ChildProcessByStdio, spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { AgentError } from '../errors/agent-error';
import { LineSplitter } from '../child-process/line-splitter';

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
type LogChild = ChildProcessByStdio<null, Readable, Readable>;

const CHILD_ENV: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', SYSTEMD_COLORS: '0' };

/**
 * The one place the logs feature starts processes (journalctl, tail): argv only,
 * no shell, stdout as lines capped at MAX_LOG_LINE_BYTES. Unsubscribing stops
 * the child with SIGTERM, then SIGKILL after LOG_PROCESS_STOP_GRACE_MS; Node
 * reaps it when it exits. Errors are AgentErrors: UNAVAILABLE when the command
 * cannot start or exits non-zero.
 */
@Injectable()
export class LogProcessRunner implements OnApplicationShutdown {
  private readonly children = new Map<number, LogChild>();

  /** Pids of the children started here that have not exited yet (tests check they are reaped). */
  activePids(): number[] {
    return [...this.children.keys()];
  }

  lines(command: LogCommand): Observable<string> {
    return new Observable<string>((subscriber) => {
      if (this.children.size >= MAX_LOG_PROCESSES) {
        subscriber.error(AgentError.resourceExhausted(`${this.children.size} log streams are open; close one or try again later`));
        return undefined;
      }
      const child = spawn(command.path, [...command.args], { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV });
      const pid = child.pid;
      if (pid !== undefined) this.children.set(pid, child);
      const splitter = new LineSplitter(MAX_LOG_LINE_BYTES);
      let stderrTail = '';
      child.stdout.on('data', (chunk: Buffer) => splitter.push(chunk).forEach((line) => subscriber.next(line)));
      child.stderr.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
      child.once('error', (error: NodeJS.ErrnoException) => subscriber.error(startFailure(command, error)));
      child.once('close', (code, signal) => {
        if (pid !== undefined) this.children.delete(pid);
        const last = splitter.end();
        if (last !== undefined) subscriber.next(last);
        if (code === 0) {
          subscriber.complete();
        } else {
          const detail = stderrTail.trim() === '' ? '' : `: ${stderrTail.trim()}`;
          subscriber.error(AgentError.unavailable(`${basename(command.path)} exited with ${code ?? signal}${detail}`));
        }
      });
      return () => stopChild(child);
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

function startFailure(command: LogCommand, error: NodeJS.ErrnoException): AgentError {
  const reason = error.code === 'ENOENT' ? 'not found' : (error.code ?? error.message);
  return AgentError.unavailable(`cannot start ${command.path} (${reason})${command.startFailureHint}`, { cause: error });
}
