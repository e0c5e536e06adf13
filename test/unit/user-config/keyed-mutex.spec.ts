import { KeyedMutex } from '../../../src/user-config/keyed-mutex';

/** A promise the test settles by hand, to hold work open at a known point. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe(KeyedMutex.name, () => {
  let sut: KeyedMutex;

  beforeEach(() => {
    sut = new KeyedMutex();
  });

  it('runs work for one key one at a time, in arrival order', async () => {
    const events: string[] = [];
    const first = gate();
    const a = sut.run('alice', async () => {
      events.push('a start');
      await first.promise;
      events.push('a end');
    });
    const b = sut.run('alice', async () => {
      events.push('b start');
      events.push('b end');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['a start']);
    first.open();
    await Promise.all([a, b]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('runs work for different keys in parallel', async () => {
    const held = gate();
    const alice = sut.run('alice', () => held.promise);
    await expect(sut.run('bob', async () => 'bob ran')).resolves.toBe('bob ran');
    held.open();
    await alice;
  });

  it('passes on the result, and a failure does not block the next caller', async () => {
    const failing = sut.run('alice', async () => {
      throw new Error('disk full');
    });
    const next = sut.run('alice', async () => 42);
    await expect(failing).rejects.toThrow('disk full');
    await expect(next).resolves.toBe(42);
  });

  it('forgets a key once nobody holds or waits for it', async () => {
    const held = gate();
    const running = sut.run('alice', () => held.promise);
    const waiting = sut.run('alice', async () => undefined);
    expect(sut.activeKeys).toBe(1);
    held.open();
    await Promise.all([running, waiting]);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => sut.run(`user${i}`, async () => i)));
    expect(sut.activeKeys).toBe(0);
  });

  it('keeps 100 concurrent callers of one key strictly serial', async () => {
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        sut.run('alice', async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(i);
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
