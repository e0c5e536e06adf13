import { ConfigError, EXIT_CODE_CONFIG_ERROR } from '../config/config-error';
import { PortalSimulator, type FinishedCall } from './portal-simulator';
import { parseSimulatorArgs, SIMULATOR_USAGE, type SimulatorCliOptions, wantsHelp } from './simulator-cli-args';
import { type ControlServer, startControlServer } from './simulator-control.server';

/*
 * portal-simulator --policy FILE [--listen HOST:PORT] (--cert F --key F --ca F | --insecure)
 *                  [--latency-ms N] [--error-rate R] [--control 127.0.0.1:PORT]
 * Prints one JSON line {"msg":"portal simulator listening",...} when ready, then one per call.
 * Bad arguments or policy exit 2; SIGTERM/SIGINT stop it and exit 0.
 */

const EXIT_CODE_STARTUP_FAILED = 1;
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function logLine(fields: Record<string, unknown>): void {
  // stdout to a pipe or file is synchronous on Linux: a line is out before process.exit.
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}

function logCall({ record, outcome, durationMs, response }: FinishedCall): void {
  logLine({
    msg: 'call',
    method: record.method,
    caller: record.callerCn ?? null,
    username: record.request['username'] ?? null,
    groupname: record.request['groupname'] ?? undefined,
    session_id: record.request['session_id'] ?? undefined,
    outcome,
    allowed: response?.['allowed'],
    valid: response?.['valid'],
    event_id: eventIdOf(record.request),
    duplicate: record.duplicate || undefined,
    duration_ms: durationMs,
  });
}

function eventIdOf(request: Readonly<Record<string, unknown>>): string | undefined {
  const metadata = request['metadata'] as Record<string, unknown> | undefined;
  return typeof metadata?.['event_id'] === 'string' ? metadata['event_id'] : undefined;
}

function fail(code: number, message: string): never {
  process.stderr.write(`portal-simulator: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(`${SIMULATOR_USAGE}\n`);
    return;
  }
  let options: SimulatorCliOptions;
  let simulator: PortalSimulator;
  try {
    options = parseSimulatorArgs(argv);
    simulator = await PortalSimulator.start({
      policyFile: options.policyFile,
      tls: options.tls,
      host: options.listen.host,
      port: options.listen.port,
      latencyMs: options.latencyMs,
      errorRate: options.errorRate,
      onCallFinished: logCall,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) fail(EXIT_CODE_STARTUP_FAILED, (error as Error).message);
    fail(EXIT_CODE_CONFIG_ERROR, error.source === 'command line' ? `${error.message}\n${SIMULATOR_USAGE}` : error.message);
  }

  let control: ControlServer | undefined;
  try {
    control = options.control === undefined ? undefined : await startControlServer(simulator, options.control);
  } catch (error) {
    await simulator.stop();
    fail(EXIT_CODE_STARTUP_FAILED, `control endpoint: ${(error as Error).message}`);
  }

  let stopping = false;
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logLine({ msg: 'portal simulator stopping', signal });
      Promise.all([control?.close(), simulator.stop()]).then(
        () => process.exit(0),
        (error: unknown) => fail(EXIT_CODE_STARTUP_FAILED, `error during shutdown: ${(error as Error).message}`),
      );
    });
  }

  logLine({
    msg: 'portal simulator listening',
    address: simulator.address,
    tls: options.tls === 'insecure' ? 'insecure' : 'mtls',
    control_address: control?.address,
    users: simulator.policy.users.size,
    groups: simulator.policy.groups.size,
  });
}

void main();
