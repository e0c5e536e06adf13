import { LineSplitter } from '../../../src/child-process/line-splitter';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe(LineSplitter.name, () => {
  it('returns the complete lines of a chunk', () => {
    const sut = new LineSplitter(100);

    expect(sut.push(bytes('a\nb\n'))).toEqual(['a', 'b']);
  });

  it('joins a line split across chunks', () => {
    const sut = new LineSplitter(100);

    expect(sut.push(bytes('hel'))).toEqual([]);
    expect(sut.push(bytes('lo\n'))).toEqual(['hello']);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const sut = new LineSplitter(100);
    const euro = bytes('€\n');

    sut.push(euro.subarray(0, 1));
    expect(sut.push(euro.subarray(1))).toEqual(['€']);
  });

  it('drops a carriage return before the newline', () => {
    expect(new LineSplitter(100).push(bytes('dos\r\n'))).toEqual(['dos']);
  });

  it('cuts an over-long line at the cap and drops the rest of it', () => {
    const sut = new LineSplitter(4);

    expect(sut.push(bytes('abcdefgh'))).toEqual([]);
    expect(sut.push(bytes('ijk\nnext\n'))).toEqual(['abcd', 'next']);
  });

  it('gives the unterminated last line at the end', () => {
    const sut = new LineSplitter(100);
    sut.push(bytes('a\ntail'));

    expect(sut.end()).toBe('tail');
  });

  it('has nothing at the end after a final newline', () => {
    const sut = new LineSplitter(100);
    sut.push(bytes('a\n'));

    expect(sut.end()).toBeUndefined();
  });
});
