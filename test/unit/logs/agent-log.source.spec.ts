import { AgentLogRing } from '../../../src/logs/agent-log-ring';
import { AgentLogSource } from '../../../src/logs/agent-log.source';
import type { LogLine } from '../../../src/logs/log-line';
import { aLogQuery, anAgentLogLine, collect } from './log-fakes';

/** A pino-like line whose message is `msg`, logged `offsetMs` after 2025-01-01. */
function lineAt(msg: string, offsetMs = 0): string {
  return anAgentLogLine({ msg, time: new Date(Date.UTC(2025, 0, 1) + offsetMs).toISOString() });
}

const messages = (lines: readonly LogLine[]): string[] => lines.map((line) => line.message);

describe(AgentLogSource.name, () => {
  let ring: AgentLogRing;
  let sut: AgentLogSource;

  beforeEach(() => {
    ring = new AgentLogRing(10);
    sut = new AgentLogSource(ring);
  });

  it('delivers the backlog and completes without follow', () => {
    ring.append(lineAt('one'));
    ring.append(lineAt('two'));

    const result = collect(sut.lines(aLogQuery()));

    expect(messages(result.values)).toEqual(['one', 'two']);
    expect(result.completed).toBe(true);
  });

  it('leaves out lines before the start time', () => {
    ring.append(lineAt('old', 0));
    ring.append(lineAt('at start', 1000));
    ring.append(lineAt('new', 2000));

    const result = collect(sut.lines(aLogQuery({ sinceMs: Date.UTC(2025, 0, 1) + 1000 })));

    expect(messages(result.values)).toEqual(['at start', 'new']);
  });

  it('skips stored lines that are not agent log lines', () => {
    ring.append('not json');
    ring.append(lineAt('ok'));

    expect(messages(collect(sut.lines(aLogQuery())).values)).toEqual(['ok']);
  });

  it('with follow, delivers lines logged after the backlog and does not complete', () => {
    ring.append(lineAt('backlog'));
    const result = collect(sut.lines(aLogQuery({ follow: true })));
    ring.append(lineAt('live'));

    expect(messages(result.values)).toEqual(['backlog', 'live']);
    expect(result.completed).toBe(false);
  });

  it('delivers a line logged while the backlog is being emitted once, after the backlog', () => {
    ring.append(lineAt('one'));
    ring.append(lineAt('two'));
    const seen: string[] = [];
    const subscription = sut.lines(aLogQuery({ follow: true })).subscribe((line) => {
      seen.push(line.message);
      // The consumer logging as it receives (e.g. a gRPC write that logs) appends to the ring mid-backlog.
      if (line.message === 'one') ring.append(lineAt('logged during backlog'));
    });

    expect(seen).toEqual(['one', 'two', 'logged during backlog']);
    subscription.unsubscribe();
  });

  it('stops listening to the ring on unsubscribe', () => {
    const result = collect(sut.lines(aLogQuery({ follow: true })));
    result.subscription.unsubscribe();
    ring.append(lineAt('after'));

    expect(ring.listenerCount).toBe(0);
    expect(result.values).toEqual([]);
  });

  it('does not listen to the ring without follow', () => {
    collect(sut.lines(aLogQuery()));

    expect(ring.listenerCount).toBe(0);
  });
});
