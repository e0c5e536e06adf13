import {
  asBool,
  asEpochMs,
  asInt,
  asString,
  asStringList,
  parseOcctlElapsedSeconds,
  parseOcctlLocalTime,
} from '../../../../src/occtl/parsing/occtl-values';

describe('occtl-values', () => {
  describe(asString.name, () => {
    it.each([
      ['a string', 'vpns0', 'vpns0'],
      ['a number', 1472, '1472'],
      ['a boolean', true, 'true'],
      ['null', null, ''],
      ['a missing field', undefined, ''],
      ['an array', ['a'], ''],
      ['an object', { a: 1 }, ''],
    ])('reads %s', (_, value, expected) => {
      expect(asString(value)).toBe(expected);
    });
  });

  describe(asInt.name, () => {
    it.each([
      [24356, 24356],
      ['1472', 1472],
      [' 300 ', 300],
      ['-1', -1],
      ['0', 0],
    ])('reads %j as %d', (value, expected) => {
      expect(asInt(value)).toBe(expected);
    });

    it.each([['352 bytes'], [''], ['1.5'], [1.5], ['0x10'], ['1e3'], [Number.NaN], [2 ** 53], ['99999999999999999'], [true], [null], [undefined], [[1]]])(
      'refuses %j',
      (value) => {
        expect(asInt(value)).toBeUndefined();
      },
    );
  });

  describe(asBool.name, () => {
    it.each([
      [true, true],
      [false, false],
      [1, true],
      [0, false],
      ['True', true],
      ['False', false],
      ['true', true],
      [' FALSE ', false],
      ['1', true],
      ['0', false],
      ['yes', true],
      ['no', false],
    ])('reads %j as %p', (value, expected) => {
      expect(asBool(value)).toBe(expected);
    });

    it.each([[2], ['maybe'], [''], [null], [undefined], [[true]]])('refuses %j', (value) => {
      expect(asBool(value)).toBeUndefined();
    });
  });

  describe(asStringList.name, () => {
    it.each([
      ['an array of strings', ['10.0.0.1', 'fd00::1'], ['10.0.0.1', 'fd00::1']],
      ['a lone string (1.1.6 "Routes": "defaultroute")', 'defaultroute', ['defaultroute']],
      ['an empty array', [], []],
      ['an empty string', '', []],
      ['a missing field', undefined, []],
      ['null', null, []],
      ['an array with empty and nested items', ['a', '', null, ['b'], 3], ['a', '3']],
    ])('reads %s', (_, value, expected) => {
      expect(asStringList(value)).toEqual(expected);
    });
  });

  describe(asEpochMs.name, () => {
    it('turns epoch seconds into milliseconds', () => {
      expect(asEpochMs(1795288233)).toBe(1_795_288_233_000);
    });

    it.each([[0], [-5], ['soon'], [undefined]])('treats %j as unknown', (value) => {
      expect(asEpochMs(value)).toBeUndefined();
    });
  });

  describe(parseOcctlLocalTime.name, () => {
    it('reads occtl\'s minute-precision local time', () => {
      expect(parseOcctlLocalTime('2026-11-21 19:10')).toBe(new Date(2026, 10, 21, 19, 10).getTime());
    });

    it('reads seconds when a version prints them', () => {
      expect(parseOcctlLocalTime(' 2026-11-21 19:10:33 ')).toBe(new Date(2026, 10, 21, 19, 10, 33).getTime());
    });

    it.each([[''], ['(none)'], ['2026-02-30 10:00'], ['2026-13-01 10:00'], ['2026-11-21 24:00'], ['2026-11-21 19:60'], ['1969-12-31 23:59'], ['21/11/2026 19:10']])(
      'refuses %j',
      (text) => {
        expect(parseOcctlLocalTime(text)).toBeUndefined();
      },
    );
  });

  describe(parseOcctlElapsedSeconds.name, () => {
    it.each([
      ['    6s', 6],
      ['   16s', 16],
      [' 5m:03s', 303],
      ['41m:10s', 2470],
      [' 2h:13m', 7980],
      ['10h:10m', 36_600],
      [' 3d:04h', 273_600],
      [' 3days', 259_200],
      [' 1day', 86_400],
    ])('reads %j as %d seconds', (text, expected) => {
      expect(parseOcctlElapsedSeconds(text)).toBe(expected);
    });

    it.each([[''], ['   ?   '], ['5s:3m'], ['3m:3m'], ['12'], ['3x'], ['1h:'], ['-5s']])('refuses %j', (text) => {
      expect(parseOcctlElapsedSeconds(text)).toBeUndefined();
    });
  });
});
