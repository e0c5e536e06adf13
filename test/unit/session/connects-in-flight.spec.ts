import { ConnectsInFlight, MAX_CONNECTS_IN_FLIGHT } from '../../../src/session/connects-in-flight';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe(ConnectsInFlight.name, () => {
  let sut: ConnectsInFlight;

  beforeEach(() => (sut = new ConnectsInFlight()));

  it('reports a decision pending for the session and user, and forgets it once settled', async () => {
    let decide!: (value: string) => void;
    const decision = sut.track('7', 'alice', () => new Promise<string>((resolve) => (decide = resolve)));
    expect(sut.whenDecided('7', 'alice')).toBeDefined();

    decide('allowed');
    await expect(decision).resolves.toBe('allowed');
    await flush();

    expect(sut.whenDecided('7', 'alice')).toBeUndefined();
    expect(sut.size).toEqual({ pending: 0, waiting: 0 });
  });

  it('has nothing pending for another user on the same session id', () => {
    void sut.track('7', 'alice', () => new Promise<void>(() => undefined));

    expect(sut.whenDecided('7', 'mallory')).toBeUndefined();
  });

  it('settles the wait without rejecting when the decision fails, and passes the failure to the caller', async () => {
    const decision = sut.track('7', 'alice', () => Promise.reject(new Error('store full')));
    const waited = sut.whenDecided('7', 'alice');

    await expect(decision).rejects.toThrow('store full');
    await expect(waited).resolves.toBeUndefined();
  });

  it('lets a wait with a grace join the decision that starts during it', async () => {
    let decide!: () => void;
    let joined = false;
    void sut.whenDecided('7', 'alice', 1000)?.then(() => (joined = true));

    void sut.track('7', 'alice', () => new Promise<void>((resolve) => (decide = resolve)));
    await flush();
    expect(joined).toBe(false);
    decide();
    await flush();

    expect(joined).toBe(true);
    expect(sut.size).toEqual({ pending: 0, waiting: 0 });
  });

  it('ends a wait with a grace when no decision starts within it', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      let ended = false;
      void sut.whenDecided('7', 'alice', 1000)?.then(() => (ended = true));
      jest.advanceTimersByTime(999);
      await flush();
      expect(ended).toBe(false);

      jest.advanceTimersByTime(1);
      await flush();

      expect(ended).toBe(true);
      expect(sut.size.waiting).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('has nothing to wait for without a grace when no decision is pending', () => {
    expect(sut.whenDecided('7', 'alice')).toBeUndefined();
  });

  it(`tracks at most ${MAX_CONNECTS_IN_FLIGHT} decisions; past it a decision runs untracked`, async () => {
    for (let i = 0; i < MAX_CONNECTS_IN_FLIGHT; i += 1) void sut.track(String(i), 'u', () => new Promise<void>(() => undefined));

    const extra = sut.track('extra', 'u', () => Promise.resolve('allowed'));

    await expect(extra).resolves.toBe('allowed');
    expect(sut.size.pending).toBe(MAX_CONNECTS_IN_FLIGHT);
    expect(sut.whenDecided('extra', 'u')).toBeUndefined();
  });
});
