import { Logger } from '@nestjs/common';
import { JournaldLogSource, journalctlArgs } from '../../../src/logs/journald-log.source';
import { aLogQuery, anOcservLogConfig, collect, FakeLogProcessRunner } from './log-fakes';

function aJournalLine(realtimeUs: string, message: string): string {
  return JSON.stringify({ __REALTIME_TIMESTAMP: realtimeUs, PRIORITY: '6', MESSAGE: message });
}

describe(JournaldLogSource.name, () => {
  let runner: FakeLogProcessRunner;
  let sut: JournaldLogSource;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    runner = new FakeLogProcessRunner();
    sut = new JournaldLogSource(runner, anOcservLogConfig({ unit: 'ocserv', journalctl_path: '/opt/bin/journalctl' }));
  });

  it('runs the configured journalctl for the ocserv unit', () => {
    collect(sut.lines('ocserv', aLogQuery({ source: 'ocserv' })));

    expect(runner.commands[0]?.path).toBe('/opt/bin/journalctl');
    expect(runner.lastArgs).toEqual(['-u', 'ocserv', '-o', 'json', '--no-pager']);
  });

  it('reads the whole journal for the system source', () => {
    collect(sut.lines('system', aLogQuery({ source: 'system', follow: true })));

    expect(runner.lastArgs).toEqual(['-o', 'json', '--no-pager', '-f']);
  });

  it('names the config key to fix when journalctl cannot start', () => {
    collect(sut.lines('ocserv', aLogQuery({ source: 'ocserv' })));

    expect(runner.commands[0]?.startFailureHint).toContain('ocserv.log.journalctl_path');
    expect(runner.commands[0]?.startFailureHint).toContain('ocserv.log.source');
  });

  it('delivers parsed entries and skips and counts lines that are not entries', () => {
    const result = collect(sut.lines('ocserv', aLogQuery({ source: 'ocserv' })));
    runner.stdout.next(aJournalLine('1732216201000000', 'one'));
    runner.stdout.next('garbage');

    expect(result.values.map((line) => line.message)).toEqual(['one']);
    expect(sut.skippedLineCount).toBe(1);
  });

  it('drops entries before the start time to the millisecond', () => {
    const result = collect(sut.lines('ocserv', aLogQuery({ source: 'ocserv', sinceMs: 1732216201500 })));
    runner.stdout.next(aJournalLine('1732216201499999', 'too early'));
    runner.stdout.next(aJournalLine('1732216201500000', 'on time'));

    expect(result.values.map((line) => line.message)).toEqual(['on time']);
  });

  it('stops the process on unsubscribe', () => {
    collect(sut.lines('ocserv', aLogQuery({ source: 'ocserv', follow: true }))).subscription.unsubscribe();

    expect(runner.subscribers).toBe(0);
  });
});

describe(journalctlArgs.name, () => {
  it('passes the start time in whole seconds, rounded down', () => {
    expect(journalctlArgs('ocserv', aLogQuery({ sinceMs: 1732216201999 }))).toEqual([
      '-u',
      'ocserv',
      '-o',
      'json',
      '--no-pager',
      '--since',
      '@1732216201',
    ]);
  });
});
