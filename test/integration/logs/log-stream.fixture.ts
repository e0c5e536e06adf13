import { Test } from '@nestjs/testing';
import { ClockModule } from '../../../src/clock/clock.module';
import { LogProcessRunner } from '../../../src/logs/log-process.runner';
import { LogStreamService } from '../../../src/logs/log-stream.service';
import { LogsModule } from '../../../src/logs/logs.module';
import { OCSERV_LOG_CONFIG, OcservLogConfig } from '../../../src/logs/ocserv-log.config';
import { anOcservLogConfig } from '../../unit/logs/log-fakes';

export interface LogStreamFixture {
  readonly sut: LogStreamService;
  readonly runner: LogProcessRunner;
  close(): Promise<void>;
}

/** The real LogsModule (real runner, real fs, real clock) with `config` (over the test defaults) as ocserv.log. */
export async function startLogStreamFixture(config: Partial<OcservLogConfig>): Promise<LogStreamFixture> {
  const moduleRef = await Test.createTestingModule({ imports: [ClockModule, LogsModule] })
    .overrideProvider(OCSERV_LOG_CONFIG)
    .useValue(anOcservLogConfig(config))
    .compile();
  await moduleRef.init();
  return {
    sut: moduleRef.get(LogStreamService),
    runner: moduleRef.get(LogProcessRunner),
    close: () => moduleRef.close(),
  };
}

/** Resolves once `check` returns a value other than undefined; rejects after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether `pid` is gone (not even a zombie): signal 0 fails with ESRCH. */
export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
