import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { LOG_PROCESS_STOP_GRACE_MS, LogProcessRunner, MAX_LOG_LINE_BYTES } from '../../../src/logs/log-process.runner';
import { anOcservLogConfig, collect } from '../../unit/logs/log-fakes';
import { eventually, processIsGone } from './log-stream.fixture';

/** A child running `script` under /bin/sh (the runner itself never uses a shell; the test needs one to script the child). */
const shell = (script: string) => ({ path: '/bin/sh', args: ['-c', script], startFailureHint: '' });

describe(LogProcessRunner.name, () => {
  let sut: LogProcessRunner;

  beforeEach(() => {
    sut = new LogProcessRunner(anOcservLogConfig());
  });

  afterEach(() => sut.onApplicationShutdown());

  it(`kills a child that ignores SIGTERM with SIGKILL after ${LOG_PROCESS_STOP_GRACE_MS} ms`, async () => {
    // An ignored signal stays ignored across exec, so sleep (the pid we hold) ignores SIGTERM too.
    const result = collect(sut.lines(shell('trap "" TERM; echo ready; exec sleep 60')));
    await eventually(() => (result.values.includes('ready') ? true : undefined), 2000, 'the child starting');
    const [pid] = sut.activePids();
    result.subscription.unsubscribe();

    await new Promise((resolve) => setTimeout(resolve, LOG_PROCESS_STOP_GRACE_MS / 2));
    expect(processIsGone(pid as number)).toBe(false);
    await eventually(() => (processIsGone(pid as number) ? true : undefined), LOG_PROCESS_STOP_GRACE_MS + 1500, 'SIGKILL');
  });

  it('cuts an over-long line at the cap and keeps reading after it', async () => {
    const result = collect(sut.lines(shell(`head -c ${MAX_LOG_LINE_BYTES * 3} /dev/zero | tr '\\0' x; echo; echo next`)));

    await eventually(() => (result.completed ? true : undefined), 3000, 'completion');
    expect(result.values.map((line) => line.length)).toEqual([MAX_LOG_LINE_BYTES, 4]);
  });

  it('fails UNAVAILABLE quoting stderr when the child exits non-zero', async () => {
    const result = collect(sut.lines(shell('echo "No journal files were found." >&2; exit 1')));

    const error = await eventually(() => result.error as AgentError | undefined, 2000, 'the error');
    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toBe('sh exited with 1: No journal files were found.');
  });
});
