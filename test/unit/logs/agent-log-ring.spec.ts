import {
  AgentLogRecord,
  AgentLogRing,
  DEFAULT_AGENT_LOG_RING_CAPACITY,
  DEFAULT_AGENT_LOG_RING_MAX_BYTES,
  MAX_RAW_AGENT_LOG_LINE_CHARS,
} from '../../../src/logs/agent-log-ring';
import { anAgentLogLine } from './log-fakes';

describe(AgentLogRing.name, () => {
  const raws = (ring: AgentLogRing): string[] => ring.snapshot().map((record) => record.raw);

  it('holds 5,000 lines unless told otherwise', () => {
    expect(new AgentLogRing().capacity).toBe(DEFAULT_AGENT_LOG_RING_CAPACITY);
    expect(DEFAULT_AGENT_LOG_RING_CAPACITY).toBe(5_000);
  });

  it('keeps lines oldest first, without their trailing newline', () => {
    const sut = new AgentLogRing(3);
    sut.append('a\n');
    sut.append('b\n');

    expect(raws(sut)).toEqual(['a', 'b']);
  });

  it('evicts the oldest lines once full', () => {
    const sut = new AgentLogRing(3);
    ['a', 'b', 'c', 'd', 'e'].forEach((line) => sut.append(line));

    expect(raws(sut)).toEqual(['c', 'd', 'e']);
    expect(sut.size).toBe(3);
  });

  describe('byte budget', () => {
    /** A line of n ASCII characters costs 48 + n bytes (record, string header, characters). */
    const LINE_FIXED_BYTES = 48;

    it('evicts the oldest lines once their bytes pass the budget, before the count is reached', () => {
      const sut = new AgentLogRing(10, 2 * (LINE_FIXED_BYTES + 100));
      ['a', 'b', 'c'].forEach((letter) => sut.append(letter.repeat(100)));

      expect(raws(sut)).toEqual(['b'.repeat(100), 'c'.repeat(100)]);
      expect(sut.sizeBytes).toBe(2 * (LINE_FIXED_BYTES + 100));
    });

    it('keeps the newest line even when it alone is over the budget', () => {
      const sut = new AgentLogRing(10, 100);
      sut.append('a');
      sut.append('b'.repeat(200));

      expect(raws(sut)).toEqual(['b'.repeat(200)]);
    });

    it('holds 5,000 of the longest lines it takes within 16 MiB', () => {
      const sut = new AgentLogRing();
      const longest = 'x'.repeat(MAX_RAW_AGENT_LOG_LINE_CHARS);
      for (let i = 0; i < DEFAULT_AGENT_LOG_RING_CAPACITY; i += 1) sut.append(longest);

      expect(sut.sizeBytes).toBeLessThanOrEqual(DEFAULT_AGENT_LOG_RING_MAX_BYTES);
      expect(DEFAULT_AGENT_LOG_RING_MAX_BYTES).toBe(16 * 1024 * 1024);
      expect(sut.size).toBe(Math.floor(DEFAULT_AGENT_LOG_RING_MAX_BYTES / (LINE_FIXED_BYTES + MAX_RAW_AGENT_LOG_LINE_CHARS)));
    });

    it('gives the bytes of lines evicted by count back', () => {
      const sut = new AgentLogRing(2, 10_000);
      ['a', 'b', 'c'].forEach((line) => sut.append(line));

      expect(sut.sizeBytes).toBe(2 * (LINE_FIXED_BYTES + 1));
    });
  });

  it('numbers records in append order, across evictions', () => {
    const sut = new AgentLogRing(2);
    ['a', 'b', 'c'].forEach((line) => sut.append(line));

    expect(sut.snapshot().map((record) => record.seq)).toEqual([2, 3]);
  });

  it('tells listeners about each appended line until they stop listening', () => {
    const sut = new AgentLogRing(2);
    const heard: AgentLogRecord[] = [];
    const stop = sut.listen((record) => heard.push(record));
    sut.append('a');
    stop();
    sut.append('b');

    expect(heard.map((record) => record.raw)).toEqual(['a']);
    expect(sut.listenerCount).toBe(0);
  });

  it('keeps appending when a listener throws, so logging never fails because of a reader', () => {
    const sut = new AgentLogRing(2);
    sut.listen(() => {
      throw new Error('reader broke');
    });

    expect(() => sut.append('a')).not.toThrow();
    expect(raws(sut)).toEqual(['a']);
  });

  it('stores an over-long line compacted, with its fields capped', () => {
    const sut = new AgentLogRing(2);
    sut.append(anAgentLogLine({ big: 'x'.repeat(MAX_RAW_AGENT_LOG_LINE_CHARS) }));

    const [record] = sut.snapshot();
    expect(record?.raw.length).toBeLessThan(4 * 1024);
    expect(JSON.parse(record?.raw ?? '')).toMatchObject({ msg: 'hello', level: 'info', time: '2025-01-01T00:00:00.000Z' });
  });

  it('drops an over-long line that is not JSON rather than keeping it', () => {
    const sut = new AgentLogRing(2);
    sut.append('y'.repeat(MAX_RAW_AGENT_LOG_LINE_CHARS + 1));

    expect(sut.size).toBe(0);
  });

  it.each([0, -1, 1.5])('refuses a capacity of %p', (capacity) => {
    expect(() => new AgentLogRing(capacity)).toThrow(RangeError);
  });
});
