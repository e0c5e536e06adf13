import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { trackPid, untrackPid, waitForExit } from './lab-processes';

export interface VpnClientOptions {
  readonly url: string;
  /** The server's pin-sha256:... so openconnect trusts the lab's self-signed cert and nothing else. */
  readonly pin: string;
  readonly user: { readonly username: string; readonly password: string };
  readonly userAgent?: string;
  /** Log in with this cookie (from obtainVpnCookie) instead of the password, as a reconnecting client does. */
  readonly cookie?: string;
  /**
   * The client's --script, /bin/true by default. Only a script that touches nothing but a
   * file in the lab dir (e.g. one recording the CISCO_* variables openconnect passes) may
   * replace it: never the system vpnc-script.
   */
  readonly script?: string;
  /** Resolve when ocserv assigned an address (default), or wait for the client to fail. */
  readonly timeoutMs?: number;
}

export interface VpnClient {
  readonly pid: number;
  /** Address ocserv assigned ("Configured as ..."). */
  readonly vpnIp: string;
  /** Resolves with the exit code when the client process ends. */
  readonly exited: Promise<number | null>;
  /** All it printed so far (capped). */
  output(): string;
  /** SIGTERM (openconnect says goodbye to ocserv), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL: gone without a word to ocserv, like a client whose network went away. */
  drop(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 20_000;
const OUTPUT_CAP_CHARS = 64 * 1024;
const CONFIGURED_PATTERN = /Configured as ([0-9.]+)/;

/**
 * Starts a real openconnect. Safety: `--script /bin/true` so the system
 * vpnc-script never touches this machine's routes or DNS (the tun device it
 * creates stays down and unaddressed); --no-dtls because the lab serves TCP only;
 * the password goes on stdin, never on the command line.
 */
export function connectVpnClient(options: VpnClientOptions): Promise<VpnClient> {
  const login = options.cookie === undefined ? ['--passwd-on-stdin', '--user', options.user.username] : ['--cookie-on-stdin'];
  const args = [
    '--non-inter',
    ...login,
    '--servercert', options.pin,
    '--script', options.script ?? '/bin/true',
    '--no-dtls',
    ...(options.userAgent === undefined ? [] : ['--useragent', options.userAgent]),
    options.url,
  ];
  const child = spawn('/usr/sbin/openconnect', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  trackPid(child.pid, false);
  child.stdin.end(`${options.cookie ?? options.user.password}\n`);
  let output = '';
  const append = (chunk: Buffer) => {
    if (output.length < OUTPUT_CAP_CHARS) output += chunk.toString('utf8');
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => untrackPid(child.pid)).catch(() => undefined);

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child).then(() =>
        reject(new Error(`openconnect as ${options.user.username} did not connect within ${options.timeoutMs ?? CONNECT_TIMEOUT_MS} ms:\n${output.slice(-1500)}`)),
      );
    }, options.timeoutMs ?? CONNECT_TIMEOUT_MS);
    const onData = () => {
      const match = CONFIGURED_PATTERN.exec(output);
      if (match?.[1] === undefined || child.pid === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      resolve({ pid: child.pid, vpnIp: match[1], exited, output: () => output, stop: () => stopChild(child), drop: () => dropChild(child) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new VpnClientRefused(options.user.username, code, output));
    });
  });
}

/** openconnect ended before ocserv gave it an address: refused login, refused connect-script, ... */
export class VpnClientRefused extends Error {
  constructor(
    readonly username: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`openconnect as ${username} exited (${exitCode}) before connecting:\n${output.slice(-1500)}`);
  }
}

const AUTHENTICATE_TIMEOUT_MS = 20_000;
const COOKIE_PATTERN = /^COOKIE='([^']+)'$/m;

/**
 * A session cookie for `user`, from `openconnect --authenticate` (it logs in,
 * prints COOKIE=..., and leaves without opening the tunnel). Same safety as a
 * connect: the server's pin only, password on stdin.
 */
export function obtainVpnCookie(options: Pick<VpnClientOptions, 'url' | 'pin' | 'user'>): string {
  const result = spawnSync(
    '/usr/sbin/openconnect',
    ['--authenticate', '--non-inter', '--passwd-on-stdin', '--user', options.user.username, '--servercert', options.pin, '--no-dtls', options.url],
    { input: `${options.user.password}\n`, encoding: 'utf8', timeout: AUTHENTICATE_TIMEOUT_MS },
  );
  const cookie = COOKIE_PATTERN.exec(result.stdout ?? '')?.[1];
  if (cookie === undefined) {
    throw new Error(`openconnect --authenticate as ${options.user.username} printed no cookie (exit ${result.status}):\n${(result.stderr ?? '').slice(-1500)}`);
  }
  return cookie;
}

async function dropChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, 5_000))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}
