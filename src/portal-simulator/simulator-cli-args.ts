import { isIP } from 'node:net';
import { ConfigError } from '../config/config-error';
import type { SimulatorTls } from './simulator-credentials';
import { MAX_LATENCY_MS } from './simulator-switches';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface SimulatorCliOptions {
  readonly policyFile: string;
  readonly listen: HostPort;
  readonly tls: SimulatorTls;
  readonly latencyMs: number;
  readonly errorRate: number;
  /** Loopback HTTP control endpoint; absent without --control. */
  readonly control: HostPort | undefined;
}

/** --help: print SIMULATOR_USAGE and exit 0. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export const SIMULATOR_USAGE =
  'usage: portal-simulator --policy FILE [--listen HOST:PORT] (--cert FILE --key FILE --ca FILE | --insecure)\n' +
  '                        [--latency-ms N] [--error-rate R] [--control 127.0.0.1:PORT]';

const VALUE_FLAGS = ['--policy', '--listen', '--cert', '--key', '--ca', '--latency-ms', '--error-rate', '--control'] as const;
const BOOLEAN_FLAGS = ['--insecure'] as const;
const DEFAULT_LISTEN = '127.0.0.1:0';
const HOST_PORT_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** The simulator's command line; throws ConfigError listing every problem (main exits 2). */
export function parseSimulatorArgs(argv: readonly string[]): SimulatorCliOptions {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    if ((BOOLEAN_FLAGS as readonly string[]).includes(flag) && inline === undefined) {
      switches.add(flag);
    } else if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      const value = inline ?? argv[++index];
      if (value === undefined || value === '') problems.push(`${flag}: missing value`);
      else values.set(flag, value);
    } else {
      problems.push(`${arg}: unknown argument`);
    }
  }

  const policyFile = values.get('--policy');
  if (policyFile === undefined) problems.push('--policy: missing, expected the policy YAML file');
  const listen = hostPort('--listen', values.get('--listen') ?? DEFAULT_LISTEN, problems);
  const control = values.has('--control') ? hostPort('--control', values.get('--control') as string, problems) : undefined;
  if (control !== undefined && !isLoopback(control.host)) {
    problems.push(
      `--control: got ${JSON.stringify(control.host)}, expected a loopback address (127.0.0.1, ::1, localhost): it has no authentication`,
    );
  }
  const tls = tlsFrom(values, switches.has('--insecure'), problems);
  const latencyMs = numberFlag(
    '--latency-ms',
    values,
    (n) => Number.isInteger(n) && n >= 0 && n <= MAX_LATENCY_MS,
    `a whole number of milliseconds 0-${MAX_LATENCY_MS}`,
    problems,
  );
  const errorRate = numberFlag('--error-rate', values, (n) => n >= 0 && n <= 1, 'a number from 0 to 1', problems);

  if (problems.length > 0 || policyFile === undefined || listen === undefined || tls === undefined) {
    throw new ConfigError('command line', problems);
  }
  return { policyFile, listen, tls, latencyMs, errorRate, control };
}

function tlsFrom(values: ReadonlyMap<string, string>, insecure: boolean, problems: string[]): SimulatorTls | undefined {
  const files = ['--cert', '--key', '--ca'].map((flag) => values.get(flag));
  const given = files.filter((file) => file !== undefined).length;
  if (insecure) {
    if (given > 0) problems.push('--insecure: cannot be combined with --cert/--key/--ca');
    return 'insecure';
  }
  const [certFile, keyFile, caFile] = files;
  if (certFile === undefined || keyFile === undefined || caFile === undefined) {
    problems.push('TLS: expected all of --cert, --key and --ca (mutual TLS), or --insecure');
    return undefined;
  }
  return { certFile, keyFile, caFile };
}

export function hostPort(flag: string, value: string, problems: string[]): HostPort | undefined {
  const match = HOST_PORT_PATTERN.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    problems.push(`${flag}: got ${JSON.stringify(value)}, expected HOST:PORT with a port 0-65535, e.g. 127.0.0.1:50051 or [::1]:0`);
    return undefined;
  }
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function numberFlag(
  flag: string,
  values: ReadonlyMap<string, string>,
  valid: (n: number) => boolean,
  expected: string,
  problems: string[],
): number {
  const text = values.get(flag);
  // Both numeric switches start at 0 (off) when not given.
  if (text === undefined) return 0;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !valid(value)) {
    problems.push(`${flag}: got ${JSON.stringify(text)}, expected ${expected}`);
    return 0;
  }
  return value;
}
