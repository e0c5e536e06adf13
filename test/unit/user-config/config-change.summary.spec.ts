import { summarizeChange } from '../../../src/user-config/config-change.summary';

const options = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe(summarizeChange.name, () => {
  it('says "no change" for equal options', () => {
    expect(summarizeChange(options({ route: ['10.0.0.0/8'] }), options({ route: ['10.0.0.0/8'] }))).toBe('no change');
  });

  it('lists added and removed values per key', () => {
    const summary = summarizeChange(options({ route: ['10.1.0.0/16', '10.2.0.0/16'], dns: ['1.1.1.1'] }), options({ route: ['10.0.0.0/8', '10.2.0.0/16'] }));

    expect(summary).toBe('route +10.0.0.0/8 -10.1.0.0/16; dns -1.1.1.1');
  });

  it('shows a single-valued change as old->new', () => {
    expect(summarizeChange(options({ 'max-same-clients': ['2'] }), options({ 'max-same-clients': ['3'] }))).toBe('max-same-clients 2->3');
  });

  it('stays short for a thousand routes', () => {
    const many = Array.from({ length: 1000 }, (_, index) => `10.${Math.floor(index / 256)}.${index % 256}.0/24`);

    const summary = summarizeChange(options({}), options({ route: many }));

    expect(summary).toMatch(/\+992 more$/);
    expect(summary.length).toBeLessThan(250);
  });

  it('says when only the order changed', () => {
    expect(summarizeChange(options({ route: ['a', 'b'] }), options({ route: ['b', 'a'] }))).toBe('route reordered');
  });
});
