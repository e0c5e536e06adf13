import { NdjsonFraming } from '../../../src/ipc/framing/ndjson-framing';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const texts = (frames: readonly Buffer[]): string[] => frames.map((frame) => frame.toString('utf8'));

describe(NdjsonFraming.name, () => {
  it('returns each complete line of a chunk as one frame', () => {
    const sut = new NdjsonFraming(100);

    expect(texts(sut.push(bytes('{"a":1}\n{"b":2}\n')).frames)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('joins a line split at every possible byte', () => {
    const line = bytes('{"env":{"USER_AGENT":"Ünïcødé €"}}\n');
    for (let cut = 1; cut < line.length; cut += 1) {
      const sut = new NdjsonFraming(100);

      const first = sut.push(line.subarray(0, cut));
      const second = sut.push(line.subarray(cut));

      expect([...texts(first.frames), ...texts(second.frames)]).toEqual(['{"env":{"USER_AGENT":"Ünïcødé €"}}']);
    }
  });

  it('reassembles a line delivered one byte per chunk', () => {
    const sut = new NdjsonFraming(100);
    const frames: Buffer[] = [];

    for (const byte of bytes('{"op":"connect"}\n')) frames.push(...sut.push(Buffer.from([byte])).frames);

    expect(texts(frames)).toEqual(['{"op":"connect"}']);
  });

  it('skips blank lines', () => {
    const sut = new NdjsonFraming(100);

    expect(texts(sut.push(bytes('\n \r\n\t\n{}\n')).frames)).toEqual(['{}']);
  });

  it('reports a partial line until its newline arrives', () => {
    const sut = new NdjsonFraming(100);

    sut.push(bytes('{"op"'));
    expect(sut.hasPartialRequest).toBe(true);
    sut.push(bytes(':1}\n'));
    expect(sut.hasPartialRequest).toBe(false);
  });

  it('accepts a line of exactly the limit', () => {
    const sut = new NdjsonFraming(4);

    expect(sut.push(bytes('abcd\n'))).toEqual({ frames: [bytes('abcd')] });
  });

  it('refuses a line as soon as it passes the limit, without waiting for its newline', () => {
    const sut = new NdjsonFraming(4);

    expect(sut.push(bytes('abc')).refusal).toBeUndefined();
    expect(sut.push(bytes('de')).refusal).toEqual({ reason: 'too_large', message: 'request line is longer than 4 bytes' });
    expect(sut.hasPartialRequest).toBe(false);
  });

  it('keeps the complete lines before an over-long one', () => {
    const sut = new NdjsonFraming(4);

    const step = sut.push(bytes('ok\n0123456789'));

    expect(texts(step.frames)).toEqual(['ok']);
    expect(step.refusal?.reason).toBe('too_large');
  });

  it('reads nothing after a refusal', () => {
    const sut = new NdjsonFraming(4);
    sut.push(bytes('0123456789'));

    expect(sut.push(bytes('\nok\n'))).toEqual({ frames: [] });
  });
});
