import { LengthPrefixedFraming } from '../../../src/ipc/framing/length-prefixed-framing';

const frame = (body: string): Buffer => {
  const payload = Buffer.from(body, 'utf8');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(payload.length, 0);
  return Buffer.concat([prefix, payload]);
};
const prefixOf = (length: number): Buffer => {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length, 0);
  return prefix;
};

describe(LengthPrefixedFraming.name, () => {
  it('returns the body of a whole frame', () => {
    const sut = new LengthPrefixedFraming(1024);

    expect(sut.push(frame('{"reason":"connect"}'))).toEqual({ frames: [Buffer.from('{"reason":"connect"}')] });
  });

  it('reassembles a frame split at every possible byte, prefix included', () => {
    const whole = frame('{"username":"ålice"}');
    for (let cut = 1; cut < whole.length; cut += 1) {
      const sut = new LengthPrefixedFraming(1024);

      const frames = [...sut.push(whole.subarray(0, cut)).frames, ...sut.push(whole.subarray(cut)).frames];

      expect(frames.map((f) => f.toString('utf8'))).toEqual(['{"username":"ålice"}']);
    }
  });

  it('takes one frame per connection and ignores what follows it', () => {
    const sut = new LengthPrefixedFraming(1024);

    expect(sut.push(Buffer.concat([frame('{}'), frame('{"again":1}')])).frames).toHaveLength(1);
    expect(sut.push(frame('{}'))).toEqual({ frames: [] });
  });

  it('refuses length 0', () => {
    expect(new LengthPrefixedFraming(1024).push(prefixOf(0))).toEqual({
      frames: [],
      refusal: { reason: 'bad_frame', message: 'frame length 0 is invalid' },
    });
  });

  it('refuses a 100 MB length from the prefix alone, before any body byte', () => {
    const sut = new LengthPrefixedFraming(1024 * 1024);

    expect(sut.push(prefixOf(100 * 1024 * 1024)).refusal).toEqual({
      reason: 'too_large',
      message: 'frame of 104857600 bytes is over the 1048576 byte limit',
    });
  });

  it('accepts a frame of exactly the limit', () => {
    expect(new LengthPrefixedFraming(2).push(frame('{}')).frames).toHaveLength(1);
  });

  it('reports a truncated frame as partial, and a truncated prefix too', () => {
    const sut = new LengthPrefixedFraming(1024);
    expect(sut.hasPartialRequest).toBe(false);

    sut.push(Buffer.from([0x00, 0x00]));
    expect(sut.hasPartialRequest).toBe(true);
    sut.push(Buffer.from([0x00, 0x05, 0x7b]));
    expect(sut.hasPartialRequest).toBe(true);
    sut.push(Buffer.from('"":1'));
    expect(sut.hasPartialRequest).toBe(false);
  });

  it('does not hold more than the announced body when a chunk runs past it', () => {
    const sut = new LengthPrefixedFraming(1024);

    const step = sut.push(Buffer.concat([frame('{}'), Buffer.alloc(4096, 0x41)]));

    expect(step.frames[0]?.toString('utf8')).toBe('{}');
  });
});
