import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { FileLogSource } from '../../../src/logs/file-log.source';
import { FakeClock, FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import type { LogLine } from '../../../src/logs/log-line';
import { aLogQuery, anOcservLogConfig, collect, Collected, FakeLogFileProbe, FakeLogProcessRunner, settle } from './log-fakes';

const FILE = '/var/log/ocserv.log';
const HOUR_MS = 3600 * 1000;

describe(FileLogSource.name, () => {
  let runner: FakeLogProcessRunner;
  let probe: FakeLogFileProbe;
  let clock: FakeClock;
  let sut: FileLogSource;

  beforeEach(() => {
    runner = new FakeLogProcessRunner();
    probe = new FakeLogFileProbe({ kind: 'file', mtimeMs: FAKE_CLOCK_START_MS });
    clock = new FakeClock();
    sut = new FileLogSource(runner, probe, clock, anOcservLogConfig({ source: 'file', file: FILE }));
  });

  async function subscribe(query = aLogQuery({ source: 'ocserv' })): Promise<Collected<LogLine>> {
    const result = collect(sut.lines(query));
    await settle();
    return result;
  }

  it('tails the whole file without follow', async () => {
    await subscribe();

    expect(runner.lastArgs).toEqual(['-n', '+1', '--', FILE]);
  });

  it('follows the file by name with follow', async () => {
    await subscribe(aLogQuery({ source: 'ocserv', follow: true }));

    expect(runner.lastArgs).toEqual(['-n', '+1', '-F', '--', FILE]);
  });

  it('skips the backlog when the file was last written before the start time', async () => {
    await subscribe(aLogQuery({ source: 'ocserv', follow: true, sinceMs: FAKE_CLOCK_START_MS + 1 }));

    expect(runner.lastArgs).toEqual(['-n', '0', '-F', '--', FILE]);
  });

  it('completes at once, starting nothing, when the file is older than the start time and there is no follow', async () => {
    const result = await subscribe(aLogQuery({ source: 'ocserv', sinceMs: FAKE_CLOCK_START_MS + 1 }));

    expect(result.completed).toBe(true);
    expect(runner.commands).toEqual([]);
  });

  it('filters timestamped lines by the start time', async () => {
    const result = await subscribe(aLogQuery({ source: 'ocserv', sinceMs: Date.UTC(2024, 11, 31, 12) }));
    runner.stdout.next('2024-12-31T11:00:00Z old');
    runner.stdout.next('2024-12-31T13:00:00Z new');

    expect(result.values.map((line) => line.message)).toEqual(['new']);
  });

  it('gives an untimed line the time of the last timestamped line', async () => {
    const result = await subscribe();
    runner.stdout.next('2024-12-31T13:00:00Z first');
    runner.stdout.next('  continued');

    expect(result.values.map((line) => line.timeMs)).toEqual([Date.UTC(2024, 11, 31, 13), Date.UTC(2024, 11, 31, 13)]);
  });

  it('gives untimed lines before any timestamp the time they were read', async () => {
    const result = await subscribe();
    runner.stdout.next('ocserv[1]: main: started');
    clock.advanceMs(HOUR_MS);
    runner.stdout.next('ocserv[1]: main: still here');

    expect(result.values.map((line) => line.timeMs)).toEqual([FAKE_CLOCK_START_MS, FAKE_CLOCK_START_MS + HOUR_MS]);
    expect(result.values[0]).toMatchObject({ source: 'ocserv', level: 'info', fields: { SYSLOG_IDENTIFIER: 'ocserv', _PID: '1' } });
  });

  it.each([
    ['does not exist', { kind: 'missing' } as const, 'does not exist'],
    ['is a directory', { kind: 'not-a-file' } as const, 'is not a regular file'],
  ])('fails UNAVAILABLE naming the path and ocserv.log.file when the file %s', async (_name, state, wording) => {
    probe.state = state;

    const result = await subscribe();

    expect(result.error).toBeInstanceOf(AgentError);
    expect((result.error as AgentError).code).toBe(AgentErrorCode.Unavailable);
    expect((result.error as AgentError).message).toContain(`${FILE} ${wording}`);
    expect((result.error as AgentError).message).toContain('ocserv.log.file');
    expect(runner.commands).toEqual([]);
  });

  it('fails UNAVAILABLE when no file is configured', async () => {
    sut = new FileLogSource(runner, probe, clock, anOcservLogConfig({ source: 'file', file: undefined }));

    const result = await subscribe();

    expect((result.error as AgentError).message).toContain('ocserv.log.file is not set');
  });
});
