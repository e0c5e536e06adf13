import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built entry point; e2e suites run what an operator runs (`npm run build` first). */
export const AGENT_MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type JsonLine = Record<string, unknown>;

/** The agent as a separate OS process, with its stdout parsed as JSON log lines. */
export class AgentProcess {
  readonly lines: JsonLine[] = [];
  stderr = '';
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private stdoutBuffer = '';

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [AGENT_MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The ports from the "agent started" line; rejects if the process exits first. */
  async started(timeoutMs = 20_000): Promise<{ grpcPort: number; httpPort: number }> {
    const line = await this.waitForLine((entry) => entry.msg === 'agent started', timeoutMs);
    const port = (listen: unknown) => Number(String(listen).split(':').pop());
    return { grpcPort: port(line.grpc_listen), httpPort: port(line.http_listen) };
  }

  async waitForLine(predicate: (line: JsonLine) => boolean, timeoutMs = 10_000): Promise<JsonLine> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const found = this.lines.find(predicate);
      if (found !== undefined) return found;
      if (exited) throw new Error(`agent exited before the expected log line; stderr: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Kills the process if it still runs (test cleanup); resolves when it is gone. */
  async stop(): Promise<ProcessExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    return this.exited;
  }

  private onStdout(chunk: Buffer): void {
    this.stdoutBuffer += chunk.toString('utf8');
    let newline = this.stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const text = this.stdoutBuffer.slice(0, newline);
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      try {
        this.lines.push(JSON.parse(text) as JsonLine);
      } catch {
        this.lines.push({ msg: text, unparsed: true });
      }
      newline = this.stdoutBuffer.indexOf('\n');
    }
  }
}
