import { Logger } from '@nestjs/common';
import { chmod, chown, lstat, mkdir, mkdtemp, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { connect, Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import {
  SOCKET_DIR_MODE,
  SOCKET_FILE_MODE,
  SOCKET_PATH_MAX_BYTES,
  STALE_SOCKET_PROBE_TIMEOUT_MS,
} from '../ipc-limits.constant';
import { IpcSocketError } from './ipc-socket-error';
import { checkSocketDirectory } from './socket-directory-trust';

export interface UnixSocketFileOptions {
  readonly path: string;
  /** gid to own the socket; undefined keeps the agent's group. */
  readonly gid: number | undefined;
  readonly mode?: number;
  readonly backlog: number;
}

type ProbeResult = 'live' | 'stale';

/**
 * Puts a listening Unix socket at `path` with its final mode and group before anyone can
 * connect to it: the server binds inside a fresh 0700 directory next to `path` (nobody else
 * can reach it), gets chmod/chown there, then is renamed onto `path`, which is atomic. No
 * umask juggling (umask is process-wide) and no window with a 0777 or wrong-group socket.
 * A socket file left by a crash is replaced only when nothing answers on it.
 */
export class UnixSocketFile {
  private readonly logger = new Logger(UnixSocketFile.name);
  private published: { dev: number; ino: number } | undefined;

  constructor(private readonly options: UnixSocketFileOptions) {}

  get path(): string {
    return this.options.path;
  }

  async listen(server: Server): Promise<void> {
    const { path } = this.options;
    const dir = dirname(path);
    await this.attempt(`cannot create the directory ${dir}`, () => mkdir(dir, { recursive: true, mode: SOCKET_DIR_MODE }));
    // Checked at config load too; again here, as the directory may have appeared since.
    const unsafe = checkSocketDirectory(path);
    if (unsafe !== undefined) throw new IpcSocketError(unsafe);
    await this.refuseUnlessFreeOrStale(path);
    const privateDir = await this.attempt(`cannot create a private directory in ${dir}`, () =>
      mkdtemp(join(dir, `.${basename(path)}-`)),
    );
    const bindPath = join(privateDir, 's');
    try {
      if (Buffer.byteLength(bindPath) > SOCKET_PATH_MAX_BYTES) {
        throw new IpcSocketError(
          `ipc.socket_path ${path} is too long: the agent binds at ${bindPath} first, and a Unix socket path is at most ${SOCKET_PATH_MAX_BYTES} bytes`,
        );
      }
      await this.attempt(`cannot listen on ${bindPath}`, () => listenOn(server, bindPath, this.options.backlog));
      await this.attempt(`cannot set mode ${(this.options.mode ?? SOCKET_FILE_MODE).toString(8)} on the socket`, () =>
        chmod(bindPath, this.options.mode ?? SOCKET_FILE_MODE),
      );
      const { gid } = this.options;
      if (gid !== undefined) {
        await this.attempt(`cannot give the socket to group ${gid} (ipc.socket_group)`, () => chown(bindPath, -1, gid));
      }
      await this.attempt(`cannot move the socket to ${path}`, () => rename(bindPath, path));
      const { dev, ino } = await stat(path);
      this.published = { dev, ino };
    } catch (error) {
      // Not published: stop listening so the private directory can go.
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(bindPath).catch(() => undefined);
      throw error;
    } finally {
      await rmdir(privateDir).catch(() => undefined);
    }
  }

  /** Removes the socket file if it is still the one this process published (not a newer agent's). */
  async remove(): Promise<void> {
    const published = this.published;
    this.published = undefined;
    if (published === undefined) return;
    try {
      const current = await lstat(this.options.path);
      if (current.dev === published.dev && current.ino === published.ino) {
        await unlink(this.options.path);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn({ msg: 'could not remove the hook socket file', path: this.options.path, err: error });
      }
    }
  }

  private async refuseUnlessFreeOrStale(path: string): Promise<void> {
    let stats;
    try {
      stats = await lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new IpcSocketError(`cannot inspect ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (!stats.isSocket()) {
      throw new IpcSocketError(
        `${path} exists and is not a socket; the agent leaves it untouched: remove it or point ipc.socket_path elsewhere`,
      );
    }
    if ((await probe(path)) === 'live') {
      throw new IpcSocketError(`another agent is listening on ${path}; stop it first or use another ipc.socket_path`);
    }
    // Renaming the new socket onto it replaces it atomically: the path never goes missing.
    this.logger.warn({ msg: 'replacing a stale hook socket file (nothing listens on it)', path });
  }

  private async attempt<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof IpcSocketError) throw error;
      throw new IpcSocketError(`${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}

function listenOn(server: Server, path: string, backlog: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ path, backlog }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Connects to an existing socket file: accepted means a live listener, ECONNREFUSED a stale file. */
function probe(path: string): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve, reject) => {
    const socket = connect({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new IpcSocketError(`cannot tell whether another agent is listening on ${path}: no answer within ${STALE_SOCKET_PROBE_TIMEOUT_MS} ms`));
    }, STALE_SOCKET_PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') {
        resolve('stale');
      } else {
        reject(new IpcSocketError(`cannot tell whether another agent is listening on ${path}: ${error.message}`, { cause: error }));
      }
    });
  });
}
