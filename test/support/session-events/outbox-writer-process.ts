import { spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const WRITER = join(__dirname, 'outbox-writer.ts');
/**
 * Generous: under a full CI run (two jest workers, real ocserv suites) the writer's ts-node
 * start and its reports through a pipe the busy parent drains late took over 15 s once.
 */
const WRITER_TIMEOUT_MS = 45_000;

export interface CommittedLine {
  readonly kind: 'connect' | 'update' | 'disconnect';
  readonly seq: number;
  readonly sessionId: string;
}

export interface KilledWriter {
  /** What the writer reported committed before it died, in commit order. */
  readonly committed: readonly CommittedLine[];
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs outbox-writer.ts on `path` and SIGKILLs it as soon as it has reported `killAfter`
 * commits (it is in its tight loop then, mid-transaction or between two).
 */
export function runWriterUntilKilled(path: string, prefix: string, killAfter: number): Promise<KilledWriter> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', WRITER, path, prefix], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const committed: CommittedLine[] = [];
  let pending = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    // A line without its newline was not (fully) reported: it does not count.
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') continue;
      const [kind, seq, sessionId] = line.split(' ');
      committed.push({ kind: kind as CommittedLine['kind'], seq: Number(seq), sessionId });
      if (committed.length === killAfter) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer did not reach ${killAfter} commits within ${WRITER_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, WRITER_TIMEOUT_MS);
    child.once('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ committed, signal, stderr });
    });
  });
}
