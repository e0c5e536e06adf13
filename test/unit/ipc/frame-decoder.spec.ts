import { FrameDecoder } from '../../../src/ipc/framing/frame-decoder';
import { LEGACY_FRAME_MAX_BYTES } from '../../../src/ipc/ipc-limits.constant';

const prefixOf = (length: number): Buffer => {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length, 0);
  return prefix;
};

describe(FrameDecoder.name, () => {
  it('knows no framing before the first byte', () => {
    const sut = new FrameDecoder(1024);

    sut.push(Buffer.alloc(0));

    expect(sut.framingName).toBeUndefined();
    expect(sut.hasPartialRequest).toBe(false);
  });

  it('reads JSON lines when the first byte is {', () => {
    const sut = new FrameDecoder(1024);

    expect(sut.push(Buffer.from('{"op":"connect"}\n{}\n')).frames).toHaveLength(2);
    expect(sut.framingName).toBe('ndjson');
  });

  it('reads JSON lines after leading blank lines', () => {
    const sut = new FrameDecoder(1024);

    expect(sut.push(Buffer.from('\r\n\n  {}\n')).frames.map(String)).toEqual(['  {}']);
    expect(sut.framingName).toBe('ndjson');
  });

  it('reads the length-prefixed framing when the first byte is 0x00', () => {
    const sut = new FrameDecoder(1024);

    expect(sut.push(Buffer.concat([prefixOf(2), Buffer.from('{}')])).frames.map(String)).toEqual(['{}']);
    expect(sut.framingName).toBe('legacy');
  });

  it.each([
    ['[', 0x5b],
    ['G (an HTTP request)', 0x47],
    ['0x06 (a 100 MB length prefix)', 0x06],
    ['0xff', 0xff],
  ])('refuses a first byte of %s', (_name, byte) => {
    const sut = new FrameDecoder(1024);

    const step = sut.push(Buffer.from([byte, 0x00, 0x00, 0x00]));

    expect(step.refusal?.reason).toBe('bad_frame');
    expect(step.refusal?.message).toMatch(/^unknown framing: first byte 0x[0-9a-f]{2}; expected/);
    expect(sut.push(Buffer.from('{}\n'))).toEqual({ frames: [] });
  });

  it('limits legacy frames to the smaller of max_request_bytes and 1 MiB', () => {
    expect(new FrameDecoder(100).push(prefixOf(101)).refusal?.reason).toBe('too_large');
    expect(new FrameDecoder(64 * 1024 * 1024).push(prefixOf(LEGACY_FRAME_MAX_BYTES + 1)).refusal?.reason).toBe('too_large');
    expect(new FrameDecoder(64 * 1024 * 1024).push(prefixOf(LEGACY_FRAME_MAX_BYTES)).refusal).toBeUndefined();
  });

  it('limits JSON lines to max_request_bytes', () => {
    expect(new FrameDecoder(10).push(Buffer.from(`{${'x'.repeat(20)}`)).refusal?.reason).toBe('too_large');
  });
});
