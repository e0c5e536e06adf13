import { MAX_SEEN_EVENT_IDS, SeenEventIds } from '../../../src/portal-simulator/seen-event-ids';

describe(SeenEventIds.name, () => {
  it('tells a first sight from a repeat', () => {
    const sut = new SeenEventIds();

    expect([sut.firstSight('a'), sut.firstSight('b'), sut.firstSight('a')]).toEqual([true, true, false]);
  });

  it('forgets the oldest id beyond its bound, so a very old re-send counts as new', () => {
    const sut = new SeenEventIds(3);
    ['a', 'b', 'c', 'd'].forEach((id) => sut.firstSight(id));

    expect(sut.size).toBe(3);
    expect(sut.firstSight('b')).toBe(false);
    expect(sut.firstSight('a')).toBe(true);
  });

  it(`holds ${MAX_SEEN_EVENT_IDS.toLocaleString('en')} ids by default`, () => {
    const sut = new SeenEventIds();
    for (let i = 0; i <= MAX_SEEN_EVENT_IDS; i += 1) sut.firstSight(String(i));

    expect(sut.size).toBe(MAX_SEEN_EVENT_IDS);
    expect(sut.firstSight('0')).toBe(true);
    expect(sut.firstSight(String(MAX_SEEN_EVENT_IDS))).toBe(false);
  });
});
