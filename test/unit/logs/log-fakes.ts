import { Observable, Subject, Subscription } from 'rxjs';
import type { LogQuery } from '../../../src/logs/log-line';
import { LogFileProbe, LogFileState } from '../../../src/logs/log-file.probe';
import { LogCommand, LogProcessRunner } from '../../../src/logs/log-process.runner';
import type { OcservLogConfig } from '../../../src/logs/ocserv-log.config';

export function aLogQuery(overrides: Partial<LogQuery> = {}): LogQuery {
  return { source: 'agent', sinceMs: undefined, follow: false, ...overrides };
}

export function anOcservLogConfig(overrides: Partial<OcservLogConfig> = {}): OcservLogConfig {
  return {
    source: 'journald',
    unit: 'ocserv',
    file: undefined,
    journalctl_path: '/usr/bin/journalctl',
    setpriv_path: '/usr/bin/setpriv',
    max_streams_per_source: 16,
    ...overrides,
  };
}

/** One serialized line as the agent's pino writes it. */
export function anAgentLogLine(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    level: 'info',
    time: '2025-01-01T00:00:00.000Z',
    service: 'ocserv-agent',
    agent_id: 'agent-1',
    msg: 'hello',
    ...fields,
  });
}

/** Records the commands it is asked to run; the test plays the child's stdout through `stdout`. */
export class FakeLogProcessRunner extends LogProcessRunner {
  constructor() {
    super(anOcservLogConfig());
  }

  readonly commands: LogCommand[] = [];
  readonly stdout = new Subject<string>();
  subscribers = 0;

  override lines(command: LogCommand): Observable<string> {
    this.commands.push(command);
    return new Observable<string>((subscriber) => {
      this.subscribers += 1;
      const subscription = this.stdout.subscribe(subscriber);
      return () => {
        this.subscribers -= 1;
        subscription.unsubscribe();
      };
    });
  }

  get lastArgs(): readonly string[] {
    const command = this.commands.at(-1);
    if (command === undefined) throw new Error('no command was run');
    return command.args;
  }
}

export class FakeLogFileProbe extends LogFileProbe {
  constructor(public state: LogFileState = { kind: 'file', mtimeMs: 0 }) {
    super();
  }

  override probe(): Promise<LogFileState> {
    return Promise.resolve(this.state);
  }
}

/** Everything an observable delivers, as it arrives. */
export interface Collected<T> {
  readonly values: T[];
  error: unknown;
  completed: boolean;
  readonly subscription: Subscription;
}

export function collect<T>(source: Observable<T>): Collected<T> {
  const values: T[] = [];
  const collected = { values, error: undefined as unknown, completed: false } as Collected<T>;
  (collected as { subscription: Subscription }).subscription = source.subscribe({
    next: (value) => values.push(value),
    error: (error: unknown) => {
      collected.error = error;
    },
    complete: () => {
      collected.completed = true;
    },
  });
  return collected;
}

/** Lets promise callbacks (defer of an async probe) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
