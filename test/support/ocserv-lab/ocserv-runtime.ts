import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { RootfsMountLease, ensureRootfs } from './ocserv-rootfs';
import { OCSERV_VERSIONS, OcservVersion } from './ocserv-versions';

/**
 * Where one lab's ocserv programs run: on this machine (1.1.6), or under
 * chroot in a rootfs (1.3.0, 1.5.0). The lab keeps every path as seen from this
 * machine (its dir, sockets, per-user config, log: what the agent and the tests
 * touch); `insidePath` gives the same file as ocserv sees it, for ocserv.conf and
 * the programs' arguments.
 */
export interface OcservRuntime {
  readonly version: OcservVersion;
  /** Where lab dirs are made, on this machine. */
  readonly labParentDir: string;
  insidePath(hostPath: string): string;
  /**
   * A program ocserv runs (connect-script, disconnect-script), as ocserv sees it. Under chroot
   * one from outside the rootfs (the compiled hook) is copied into `labDir` first.
   */
  programPath(hostPath: string, labDir: string): string;
  /** File and argv that run `program` (an absolute path as ocserv's system has it). */
  command(program: string, args: readonly string[]): readonly [file: string, argv: string[]];
  /** The occtl the agent is configured with (ocserv.occtl_path), written into `labDir` when it is a wrapper. */
  agentOcctl(labDir: string): string;
  /** Before the first program runs. */
  attach(labDir: string): void;
  serverStarted(pid: number): void;
  /** After the last program stopped. */
  detach(): void;
}

export function ocservRuntime(version: OcservVersion): OcservRuntime {
  const suite = OCSERV_VERSIONS[version].suite;
  return suite === undefined ? new HostRuntime(version) : new ChrootRuntime(version, ensureRootfs(suite, version));
}

class HostRuntime implements OcservRuntime {
  readonly labParentDir = tmpdir();

  constructor(readonly version: OcservVersion) {}

  insidePath(hostPath: string): string {
    return hostPath;
  }

  programPath(hostPath: string): string {
    return hostPath;
  }

  command(program: string, args: readonly string[]): readonly [string, string[]] {
    return [program, [...args]];
  }

  agentOcctl(): string {
    return '/usr/bin/occtl';
  }

  attach(): void {}

  serverStarted(): void {}

  detach(): void {}
}

const CHROOT = '/usr/sbin/chroot';

class ChrootRuntime implements OcservRuntime {
  private lease: RootfsMountLease | undefined;

  constructor(
    readonly version: OcservVersion,
    private readonly rootfs: string,
  ) {}

  get labParentDir(): string {
    return join(this.rootfs, 'tmp');
  }

  /** A path under the rootfs loses its prefix; any other must name the same file inside (e.g. /bin/true). */
  insidePath(hostPath: string): string {
    if (this.isInside(hostPath)) return `/${relative(this.rootfs, hostPath)}`;
    if (existsSync(join(this.rootfs, hostPath))) return hostPath;
    throw new Error(`${hostPath} is outside the ocserv ${this.version} rootfs (${this.rootfs}) and not inside it either: put it in the lab dir`);
  }

  programPath(hostPath: string, labDir: string): string {
    if (this.isInside(hostPath) || existsSync(join(this.rootfs, hostPath))) return this.insidePath(hostPath);
    const bin = join(labDir, 'bin');
    mkdirSync(bin, { recursive: true, mode: 0o755 });
    const copy = join(bin, basename(hostPath));
    copyFileSync(hostPath, copy);
    chmodSync(copy, 0o755);
    return this.insidePath(copy);
  }

  command(program: string, args: readonly string[]): readonly [string, string[]] {
    return [CHROOT, [this.rootfs, program, ...args]];
  }

  private isInside(hostPath: string): boolean {
    const inside = relative(this.rootfs, hostPath);
    return inside !== '' && !inside.startsWith('..') && !inside.startsWith(sep);
  }

  /**
   * A wrapper running the rootfs's occtl. The agent always calls `occtl -s
   * <socket_file> ...` with the socket's path on this machine, which is what an
   * operator configures too; the wrapper turns it into the path inside the chroot.
   */
  agentOcctl(labDir: string): string {
    const wrapper = join(labDir, 'occtl');
    writeFileSync(wrapper, occtlWrapperText(this.rootfs, this.version));
    chmodSync(wrapper, 0o755);
    return wrapper;
  }

  attach(labDir: string): void {
    this.lease ??= RootfsMountLease.acquire(this.rootfs, labDir);
  }

  serverStarted(pid: number): void {
    this.lease?.serverStarted(pid);
  }

  detach(): void {
    this.lease?.release();
    this.lease = undefined;
  }
}

/** `exec` all the way down: the agent's setpriv parent-death signal and stdbuf's LD_PRELOAD reach occtl itself. */
function occtlWrapperText(rootfs: string, version: OcservVersion): string {
  return [
    '#!/bin/sh',
    `# occtl of ocserv ${version}, in the chroot ${rootfs} (written by the test lab).`,
    '# -s takes the socket path as seen on this machine and passes it on as seen inside.',
    `root='${rootfs}'`,
    'if [ "$1" = "-s" ] && [ $# -ge 2 ]; then',
    '  socket="$2"',
    '  shift 2',
    '  case "$socket" in "$root"/*) socket="${socket#"$root"}" ;; esac',
    `  exec ${CHROOT} "$root" /usr/bin/occtl -s "$socket" "$@"`,
    'fi',
    `exec ${CHROOT} "$root" /usr/bin/occtl "$@"`,
    '',
  ].join('\n');
}
