import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { JournaldLogSource } from '../../../src/logs/journald-log.source';
import { collect } from '../../unit/logs/log-fakes';
import { eventually, LogStreamFixture, processIsGone, startLogStreamFixture } from './log-stream.fixture';

/**
 * This machine has no systemd-journald, so a small shell script stands in for
 * journalctl: it records its argv, prints two `journalctl -o json` entries and,
 * with -f, waits for more like the real one (exec, so its pid is the waiting process).
 */
function writeJournalctlStandIn(dir: string): { path: string; argvFile: string } {
  const path = join(dir, 'journalctl');
  const argvFile = join(dir, 'argv');
  const entry = (us: string, priority: string, message: string): string =>
    JSON.stringify({ __REALTIME_TIMESTAMP: us, PRIORITY: priority, MESSAGE: message, _PID: '24328', SYSLOG_IDENTIFIER: 'ocserv' });
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `printf '%s\\n' "$@" > '${argvFile}'`,
      `printf '%s\\n' '${entry('1732216201000000', '6', 'main: initialized')}'`,
      `printf '%s\\n' '${entry('1732216202000000', '4', 'sec-mod: slow PAM')}'`,
      'case " $* " in *" -f "*) exec sleep 60 ;; esac',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return { path, argvFile };
}

describe(`${JournaldLogSource.name} with a journalctl stand-in`, () => {
  let dir: string;
  let journalctl: { path: string; argvFile: string };
  let fixture: LogStreamFixture;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-journal-'));
    journalctl = writeJournalctlStandIn(dir);
    fixture = await startLogStreamFixture({ source: 'journald', unit: 'ocserv', file: undefined, journalctl_path: journalctl.path });
  });

  afterEach(async () => {
    await fixture.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes unit, JSON output and start time, delivers the entries and kills journalctl on unsubscribe', async () => {
    const sinceMs = 1732216200500;
    const result = collect(fixture.sut.stream({ source: 'ocserv', sinceMs, follow: true }));
    await eventually(() => (result.values.length >= 2 ? true : undefined), 2000, 'two entries');
    const [pid] = fixture.runner.activePids();
    result.subscription.unsubscribe();

    const argv = readFileSync(journalctl.argvFile, 'utf8').trim().split('\n').join(' ');
    expect(argv).toContain('-u ocserv -o json');
    expect(argv).toContain(`--since @${Math.floor(sinceMs / 1000)}`);
    expect(argv).toContain('-f');
    expect(result.values).toEqual([
      expect.objectContaining({ timeMs: 1732216201000, level: 'info', source: 'ocserv', message: 'main: initialized' }),
      expect.objectContaining({ timeMs: 1732216202000, level: 'warn', source: 'ocserv', message: 'sec-mod: slow PAM' }),
    ]);
    await eventually(() => (processIsGone(pid as number) ? true : undefined), 3000, `journalctl (pid ${pid}) exiting`);
    expect(fixture.runner.activePids()).toEqual([]);
  });

  it('completes when journalctl exits without -f', async () => {
    const result = collect(fixture.sut.stream({ source: 'system', sinceMs: undefined, follow: false }));

    await eventually(() => (result.completed ? true : undefined), 2000, 'completion');
    expect(result.values.map((line) => line.source)).toEqual(['system', 'system']);
    expect(readFileSync(journalctl.argvFile, 'utf8')).not.toContain('-u');
  });

  it('fails UNAVAILABLE naming the path and the config keys, before any line, when journalctl is missing', async () => {
    await fixture.close();
    const missing = join(dir, 'no-such-journalctl');
    fixture = await startLogStreamFixture({ source: 'journald', unit: 'ocserv', file: undefined, journalctl_path: missing });

    const result = collect(fixture.sut.stream({ source: 'ocserv', sinceMs: undefined, follow: true }));
    const error = await eventually(() => result.error as AgentError | undefined, 2000, 'the error');

    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toContain(`cannot start ${missing} (not found)`);
    expect(error.message).toContain('ocserv.log.journalctl_path');
    expect(error.message).toContain('ocserv.log.source');
    expect(result.values).toEqual([]);
  });
});
