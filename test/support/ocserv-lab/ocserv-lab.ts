import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort } from './free-port';
import { killGroup, trackPid, untrackPid, waitForExit } from './lab-processes';
import { ocservConfText } from './ocserv-conf';
import { OcservRuntime, ocservRuntime } from './ocserv-runtime';
import { OCSERV_VERSIONS, OcservVersion, defaultLabVersion } from './ocserv-versions';
import { VpnClient, VpnClientOptions, connectVpnClient, obtainVpnCookie } from './vpn-client';

/*
 * A real ocserv (Debian's package) per test suite, on 127.0.0.1 only, every file
 * in its own temp dir. The lab dir is 0755, not mkdtemp's 0700: ocserv's workers
 * run as nobody and must reach the sockets in it, or TLS fails with "Error in
 * the pull function". max-ban-score defaults to 0 so failed logins in tests
 * never ban 127.0.0.1. Everything started is stopped by pid / process group.
 *
 * Versions other than this machine's 1.1.6 run under chroot in a cached Debian
 * rootfs (see ocserv-runtime.ts): the lab dir is then inside the rootfs, and
 * every path the lab exposes (dir, occtlSocket, configPerUserDir, logFile) is
 * the path on this machine; ocserv.conf holds them as seen inside. The agent
 * runs the version's own occtl through the wrapper at `agentOcctlPath`.
 */

export interface LabUser {
  readonly username: string;
  readonly password: string;
  readonly group?: string;
}

export interface OcservLabOptions {
  /** Which ocserv to run; $OCSERV_LAB_VERSION, else this machine's 1.1.6. */
  readonly version?: OcservVersion;
  readonly users?: readonly LabUser[];
  /** Absolute path of the connect-script; /bin/true when unset. Under chroot one from outside the rootfs is copied into the lab dir at each start. */
  readonly connectScript?: string;
  readonly disconnectScript?: string;
  /** ocserv's host-update-script (unset: none); placed like the connect-script. */
  readonly hostUpdateScript?: string;
  /** Ban scoring stays off (0) unless a test opts in on its own isolated instance. */
  readonly maxBanScore?: number;
  /** Extra `key = value` lines appended to ocserv.conf. */
  readonly extraConfig?: readonly string[];
  /** Variables for ocserv's environment (over the test process's); ocserv 1.1.6 passes its environment on to connect/disconnect scripts. */
  readonly env?: Readonly<Record<string, string>>;
}

const START_TIMEOUT_MS = 10_000;
const OCSERV = '/usr/sbin/ocserv';
const OCCTL = '/usr/bin/occtl';
const OCPASSWD = '/usr/bin/ocpasswd';

export class OcservLab {
  private server: ChildProcess | undefined;
  private readonly clients = new Set<VpnClient>();

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly options: OcservLabOptions,
    readonly serverPin: string,
    private readonly runtime: OcservRuntime,
    /** ocserv.occtl_path for an agent managing this lab: /usr/bin/occtl, or the wrapper of the version's occtl. */
    readonly agentOcctlPath: string,
  ) {}

  get version(): OcservVersion {
    return this.runtime.version;
  }

  /** A path on this machine (e.g. under `dir`) as ocserv sees it. */
  insidePath(hostPath: string): string {
    return this.runtime.insidePath(hostPath);
  }

  get occtlSocket(): string {
    return join(this.dir, 'occtl.sock');
  }

  get configPerUserDir(): string {
    return join(this.dir, 'config-per-user');
  }

  get configPerGroupDir(): string {
    return join(this.dir, 'config-per-group');
  }

  /** ocserv's own log (its stderr; it runs in the foreground). */
  get logFile(): string {
    return join(this.dir, 'ocserv.log');
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}/`;
  }

  get serverPid(): number | undefined {
    return this.server?.pid;
  }

  static async start(options: OcservLabOptions = {}): Promise<OcservLab> {
    const runtime = ocservRuntime(options.version ?? defaultLabVersion());
    const dir = mkdtempSync(join(runtime.labParentDir, 'ocserv-lab-'));
    runtime.attach(dir);
    try {
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, 'config-per-user'), { mode: 0o755 });
      mkdirSync(join(dir, 'config-per-group'), { mode: 0o755 });
      const pin = makeServerCertificate(dir);
      writeFileSync(join(dir, 'passwd'), '', { mode: 0o600 });
      (options.users ?? []).forEach((user) => addPasswdUser(runtime, dir, user));
      const lab = new OcservLab(dir, await freeTcpPort(), options, pin, runtime, runtime.agentOcctl(dir));
      await lab.startServer();
      return lab;
    } catch (error) {
      runtime.detach();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Starts ocserv (again, after stopServer) with the same config, port and users. */
  async startServer(): Promise<void> {
    const conf = join(this.dir, 'ocserv.conf');
    writeFileSync(
      conf,
      ocservConfText({
        dir: this.insidePath(this.dir),
        port: this.port,
        connectScript: this.runtime.programPath(this.options.connectScript ?? '/bin/true', this.dir),
        disconnectScript: this.runtime.programPath(this.options.disconnectScript ?? '/bin/true', this.dir),
        hostUpdateScript: this.options.hostUpdateScript === undefined ? undefined : this.runtime.programPath(this.options.hostUpdateScript, this.dir),
        maxBanScore: this.options.maxBanScore ?? 0,
        extraConfig: this.options.extraConfig ?? [],
      }),
    );
    const log = join(this.dir, 'ocserv.log');
    const out = openSync(log, 'a');
    // -f keeps ocserv in the foreground; detached gives it (and the sec-mod and
    // workers it forks) a process group of its own to kill as one.
    // Under chroot, chroot execs ocserv: the pid and process group are ocserv's own.
    const logStderr = OCSERV_VERSIONS[this.version].logStderrFlag ? ['--log-stderr'] : [];
    const [file, argv] = this.runtime.command(OCSERV, ['-c', this.insidePath(conf), '-f', ...logStderr]);
    const server = spawn(file, argv, {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, ...this.options.env },
    });
    closeSync(out);
    this.server = server;
    trackPid(server.pid, true);
    if (server.pid !== undefined) this.runtime.serverStarted(server.pid);
    await this.waitUntilAnswering(server);
  }

  /** Stops ocserv (its whole process group) but keeps the lab dir and the clients' handles. */
  async stopServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server?.pid === undefined) return;
    killGroup(server.pid, 'SIGTERM');
    if (!(await waitForExit(server, 5_000))) {
      killGroup(server.pid, 'SIGKILL');
      await waitForExit(server, 5_000);
    }
    untrackPid(server.pid);
  }

  /** Runs the version's own occtl against this lab's socket (for assertions; the agent runs its own). */
  occtl(args: readonly string[]): { stdout: string; status: number } {
    const [file, argv] = this.runtime.command(OCCTL, ['-s', this.insidePath(this.occtlSocket), ...args]);
    try {
      return { stdout: execFileSync(file, argv, {
          encoding: 'utf8',
          timeout: 10_000,
          stdio: ['ignore', 'pipe', 'pipe'],
        }), status: 0 };
    } catch (error) {
      const failed = error as { stdout?: string; status?: number };
      return { stdout: failed.stdout ?? '', status: failed.status ?? -1 };
    }
  }

  /** A real openconnect client logged in as `user`; resolves once ocserv gave it an address. */
  async connect(user: LabUser, options: Omit<VpnClientOptions, 'url' | 'pin' | 'user'> = {}): Promise<VpnClient> {
    const client = await connectVpnClient({ ...options, url: this.url, pin: this.serverPin, user });
    this.clients.add(client);
    client.exited.then(() => this.clients.delete(client)).catch(() => undefined);
    return client;
  }

  /** A cookie for `user` (openconnect --authenticate), to connect with as `{ cookie }`: the way a client comes back. */
  cookieFor(user: LabUser): string {
    return obtainVpnCookie({ url: this.url, pin: this.serverPin, user });
  }

  /** Stops every client, then ocserv, then removes the dir. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all([...this.clients].map((client) => client.stop()));
    await this.stopServer();
    this.runtime.detach();
    rmSync(this.dir, { recursive: true, force: true });
  }

  readLog(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  private async waitUntilAnswering(server: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (server.exitCode !== null) {
        throw new Error(`ocserv exited with ${server.exitCode} at start:\n${this.readLog().slice(-2000)}`);
      }
      if (this.occtl(['show', 'status']).status === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`ocserv did not answer occtl within ${START_TIMEOUT_MS} ms:\n${this.readLog().slice(-2000)}`);
  }
}

function makeServerCertificate(dir: string): string {
  const keyFile = join(dir, 'server.key');
  const certFile = join(dir, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return `pin-sha256:${createHash('sha256').update(spki).digest('base64')}`;
}

function addPasswdUser(runtime: OcservRuntime, dir: string, user: LabUser): void {
  const group = user.group === undefined ? [] : ['-g', user.group];
  const [file, argv] = runtime.command(OCPASSWD, ['-c', runtime.insidePath(join(dir, 'passwd')), ...group, user.username]);
  execFileSync(file, argv, { input: `${user.password}\n${user.password}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
}

export type { VpnClient };
