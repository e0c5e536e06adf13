import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { FileLogSource } from '../../../src/logs/file-log.source';
import { collect } from '../../unit/logs/log-fakes';
import { eventually, LogStreamFixture, processIsGone, startLogStreamFixture } from './log-stream.fixture';

/** ocserv.log.source: file, read by a real `tail -F` on a real temp file. */
describe(`${FileLogSource.name} with a real file and tail`, () => {
  let dir: string;
  let file: string;
  let fixture: LogStreamFixture;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-logs-'));
    file = join(dir, 'ocserv.log');
    fixture = await startLogStreamFixture({ source: 'file', unit: 'ocserv', file, journalctl_path: '/usr/bin/journalctl' });
  });

  afterEach(async () => {
    await fixture.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the backlog, then an appended line within 1 s, and kills tail on unsubscribe', async () => {
    writeFileSync(file, '2025-11-21T19:10:01Z vpn1 ocserv[24328]: main: initialized\nocserv[24328]: sec-mod: ready\n');
    const result = collect(fixture.sut.stream({ source: 'ocserv', sinceMs: undefined, follow: true }));
    await eventually(() => (result.values.length >= 2 ? true : undefined), 2000, 'the backlog');

    appendFileSync(file, 'ocserv[24328]: main: user alice connected\n');
    await eventually(() => result.values.find((line) => line.message === 'main: user alice connected'), 1000, 'the appended line');
    const [pid] = fixture.runner.activePids();
    result.subscription.unsubscribe();

    expect(result.values.slice(0, 2).map((line) => line.message)).toEqual(['main: initialized', 'sec-mod: ready']);
    expect(result.values[0]?.fields).toEqual({ SYSLOG_IDENTIFIER: 'ocserv', _PID: '24328', _HOSTNAME: 'vpn1' });
    expect(pid).toBeDefined();
    await eventually(() => (processIsGone(pid as number) ? true : undefined), 3000, `tail (pid ${pid}) exiting`);
    expect(fixture.runner.activePids()).toEqual([]);
  });

  it('completes after the backlog without follow', async () => {
    writeFileSync(file, 'one\ntwo\n');
    const result = collect(fixture.sut.stream({ source: 'ocserv', sinceMs: undefined, follow: false }));

    await eventually(() => (result.completed ? true : undefined), 2000, 'completion');
    expect(result.values.map((line) => line.message)).toEqual(['one', 'two']);
  });

  it('fails UNAVAILABLE naming the file and ocserv.log.file when the file is missing', async () => {
    const result = collect(fixture.sut.stream({ source: 'ocserv', sinceMs: undefined, follow: true }));

    const error = await eventually(() => result.error as AgentError | undefined, 2000, 'the error');
    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toContain(file);
    expect(error.message).toContain('ocserv.log.file');
    expect(result.values).toEqual([]);
  });
});
