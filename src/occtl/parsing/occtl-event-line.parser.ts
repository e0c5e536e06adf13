import type { OcctlEvent } from '../occtl-records';
import { parseOcctlElapsedSeconds } from './occtl-values';

/*
 * `occtl show events` in text mode prints, after a table of the current users
 * and a "Press 'q'" line, one line per event (ocserv 1.1.6):
 *   default: connected user 'alice' (24622) from 127.0.0.1 with IP 192.168.99.50
 *   default: disconnect user 'alice' (24576) from 127.0.0.1 with IP 192.168.99.64 (reason: server disconnected, time:    12s)
 * The username is printed unescaped between single quotes, so it may itself
 * contain `' (1) from `; occtl's own text after it is fixed, so the LAST
 * position where that text parses to the end of the line ends the name.
 */

/** "<vhost>: <verb> user '" (the vhost is absent in builds without vhost support). */
const HEAD_PATTERN = /^(?:(\S+): )?(connected|disconnected|disconnect|updated|update) user '/;
/** What follows the name, anchored at the end: linear, no nested quantifiers, so a hostile line costs one pass per candidate. */
const TAIL_PATTERN = /' \((\d{1,10})\) from (\S+) with IP (\S*)(?: \(reason: (.*)\))?$/y;
const TIME_SEPARATOR = ', time:';
const KINDS: Readonly<Record<string, OcctlEvent['kind']>> = {
  connected: 'connect',
  disconnect: 'disconnect',
  disconnected: 'disconnect',
  update: 'update',
  updated: 'update',
};

/** The event on one line, or undefined for the table, the prompt, blank lines and anything else. */
export function parseOcctlEventLine(line: string): OcctlEvent | undefined {
  const trimmed = line.trimEnd();
  const head = HEAD_PATTERN.exec(trimmed);
  const kind = head === null ? undefined : KINDS[head[2] ?? ''];
  if (head === null || kind === undefined) return undefined;
  const rest = trimmed.slice(head[0].length);
  let quote = rest.lastIndexOf("' (");
  while (quote >= 0) {
    TAIL_PATTERN.lastIndex = quote;
    const tail = TAIL_PATTERN.exec(rest);
    if (tail !== null) {
      const id = Number(tail[1]);
      if (!Number.isSafeInteger(id) || id <= 0) return undefined;
      const username = rest.slice(0, quote);
      return { kind, vhost: head[1] ?? '', username, id, remoteIp: tail[2] ?? '', vpnIp: tail[3] ?? '', ...reasonOf(tail[4]) };
    }
    quote = quote === 0 ? -1 : rest.lastIndexOf("' (", quote - 1);
  }
  return undefined;
}

/** "server disconnected, time:    12s" -> reason and seconds; the time is the last part, the reason text may hold commas. */
function reasonOf(text: string | undefined): Pick<OcctlEvent, 'reason' | 'durationSeconds'> {
  if (text === undefined) return { reason: undefined, durationSeconds: undefined };
  const split = text.lastIndexOf(TIME_SEPARATOR);
  if (split < 0) return { reason: text.trim(), durationSeconds: undefined };
  return {
    reason: text.slice(0, split).trim(),
    durationSeconds: parseOcctlElapsedSeconds(text.slice(split + TIME_SEPARATOR.length)),
  };
}
