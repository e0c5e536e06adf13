import type { OcctlEvent } from '../../../../src/occtl/occtl-records';
import { parseOcctlEventLine } from '../../../../src/occtl/parsing/occtl-event-line.parser';
import { readOcctlFixture } from './read-fixture';

describe(parseOcctlEventLine.name, () => {
  const sut = parseOcctlEventLine;

  const eventsIn = (text: string): OcctlEvent[] =>
    text.split('\n').flatMap((line) => {
      const event = sut(line);
      return event === undefined ? [] : [event];
    });

  it('reads the four events of the captured 1.1.6 stream, and nothing from its table or prompt', () => {
    expect(eventsIn(readOcctlFixture('1.1.6', 'show-events.txt'))).toEqual([
      {
        kind: 'connect',
        vhost: 'default',
        username: 'alice',
        id: 24622,
        remoteIp: '127.0.0.1',
        vpnIp: '192.168.99.50',
        reason: undefined,
        durationSeconds: undefined,
      },
      {
        kind: 'disconnect',
        vhost: 'default',
        username: 'alice',
        id: 24576,
        remoteIp: '127.0.0.1',
        vpnIp: '192.168.99.64',
        reason: 'server disconnected',
        durationSeconds: 12,
      },
      {
        kind: 'disconnect',
        vhost: 'default',
        username: 'bob',
        id: 24384,
        remoteIp: '127.0.0.1',
        vpnIp: '192.168.99.106',
        reason: 'user disconnected',
        durationSeconds: 60,
      },
      {
        kind: 'disconnect',
        vhost: 'default',
        username: 'alice',
        id: 24622,
        remoteIp: '127.0.0.1',
        vpnIp: '192.168.99.50',
        reason: 'user disconnected',
        durationSeconds: 60,
      },
    ]);
  });

  it('reads the hand-made 1.3.0 stream: quotes in names, an update, longer durations', () => {
    expect(eventsIn(readOcctlFixture('1.3.0', 'show-events.txt')).map((event) => [event.kind, event.username, event.id, event.durationSeconds])).toEqual([
      ['connect', "o'brien", 40233, undefined],
      ['update', "o'brien", 40233, undefined],
      ['disconnect', "x' (1) from 6.6.6.6 with IP 6.6.6.6", 40290, 7980],
      ['disconnect', 'érik.müller', 40210, 273_600],
    ]);
  });

  it.each([
    ['the table header', '      id     user    vhost             ip         vpn-ip device   since    dtls-cipher    status'],
    ['a table row', '   24576    alice  default      127.0.0.1  192.168.99.64  vpns2     8s      (no-dtls) connected'],
    ['the prompt', "Press 'q' or CTRL+C to quit"],
    ['a blank line', ''],
    ['spaces', '   '],
    ['an unknown verb', "default: rejected user 'alice' (24622) from 127.0.0.1 with IP 192.168.99.50"],
    ['a missing id', "default: connected user 'alice' from 127.0.0.1 with IP 192.168.99.50"],
    ['id 0', "default: connected user 'alice' (0) from 127.0.0.1 with IP 192.168.99.50"],
    ['an unterminated name', "default: connected user 'alice (24622) from 127.0.0.1 with IP 192.168.99.50"],
    ['text after the line', "default: connected user 'alice' (24622) from 127.0.0.1 with IP 192.168.99.50 and more"],
  ])('ignores %s', (_, line) => {
    expect(sut(line)).toBeUndefined();
  });

  it.each([['update'], ['updated']])('reads an "%s user" line as an update', (verb) => {
    expect(sut(`default: ${verb} user 'alice' (24622) from 127.0.0.1 with IP 192.168.99.50`)).toMatchObject({
      kind: 'update',
      username: 'alice',
      id: 24622,
    });
  });

  it('reads "disconnected" like "disconnect"', () => {
    expect(sut("default: disconnected user 'bob' (5) from 10.0.0.1 with IP 10.1.0.2 (reason: idle timeout, time: 1m:05s)")).toMatchObject({
      kind: 'disconnect',
      reason: 'idle timeout',
      durationSeconds: 65,
    });
  });

  it('reads a line without a vhost prefix', () => {
    expect(sut("connected user 'alice' (7) from 127.0.0.1 with IP 192.168.99.50")).toMatchObject({ vhost: '', username: 'alice', id: 7 });
  });

  it('keeps a reason that contains commas', () => {
    expect(sut("default: disconnect user 'a' (7) from 1.2.3.4 with IP 10.0.0.2 (reason: error, peer reset, time:    3s)")).toMatchObject({
      reason: 'error, peer reset',
      durationSeconds: 3,
    });
  });

  it('ignores a trailing carriage return', () => {
    expect(sut("default: connected user 'alice' (7) from 127.0.0.1 with IP 192.168.99.50\r")?.vpnIp).toBe('192.168.99.50');
  });

  it('reads IPv6 addresses', () => {
    expect(sut("default: connected user 'alice' (7) from 2001:db8::42 with IP fd00::5")).toMatchObject({
      remoteIp: '2001:db8::42',
      vpnIp: 'fd00::5',
    });
  });

  it('answers quickly for a 16 KB line of would-be anchors', () => {
    const line = `default: disconnect user '${"' (1) from a with IP b (reason: ".repeat(500)}`;
    const started = performance.now();

    expect(sut(line)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
