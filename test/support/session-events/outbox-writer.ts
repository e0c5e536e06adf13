/*
 * A process that writes to an event outbox until it is killed, for the crash tests. For each
 * session in turn: connect, update, disconnect, one line "<kind> <seq> <sessionId>" on stdout
 * after each call has returned, i.e. committed (stdout to a pipe is synchronous on Linux, so
 * a line the parent read was written after the commit). Its own log lines go to stderr.
 *
 *   node -r ts-node/register/transpile-only outbox-writer.ts <outbox path> <session id prefix>
 */
import type { LoggerService } from '@nestjs/common';
import { SqliteEventOutbox } from '../../../src/session-events/outbox/sqlite-event-outbox';

const WRITER_MAX_OUTBOX_BYTES = 1024 * 1024 * 1024;

const stderrLogger: LoggerService = {
  log: (message: unknown) => process.stderr.write(`${JSON.stringify(message)}\n`),
  warn: (message: unknown) => process.stderr.write(`${JSON.stringify(message)}\n`),
  error: (message: unknown) => process.stderr.write(`${JSON.stringify(message)}\n`),
};

const [path, prefix] = process.argv.slice(2);
const outbox = new SqliteEventOutbox({ path, maxBytes: WRITER_MAX_OUTBOX_BYTES, synchronous: 'normal' }, stderrLogger);
process.stdout.write('ready\n');

function committed(kind: string, outcome: ReturnType<SqliteEventOutbox['recordConnect']>, sessionId: string): void {
  if (outcome.outcome !== 'stored') throw new Error(`${kind} of ${sessionId}: ${JSON.stringify(outcome)}`);
  process.stdout.write(`${kind} ${outcome.event.seq} ${sessionId}\n`);
}

for (let n = 0; ; n += 1) {
  const sessionId = `${prefix}-${n}`;
  const username = `user-${n % 97}`;
  const nowMs = Date.now();
  const stats = { durationSeconds: 1, bytesReceived: n, bytesSent: n };
  const connect = outbox.recordConnect(
    { kind: 'connect', username, sessionId, groupname: 'staff', clientIp: '198.51.100.7', vpnIp: '10.10.0.2', device: 'vpns0', connectedAtMs: nowMs, metadata: { n: String(n) } },
    nowMs,
  );
  committed('connect', connect, sessionId);
  const update = outbox.recordUpdate({ kind: 'update', username, sessionId, updateTimeMs: nowMs, stats, status: 'ACTIVE', metadata: {} }, nowMs);
  committed('update', update, sessionId);
  const end = outbox.recordDisconnect(
    { kind: 'disconnect', username, sessionId, disconnectedAtMs: nowMs, reason: 'USER_INITIATED', stats, metadata: {} },
    nowMs,
    nowMs,
  );
  committed('disconnect', end, sessionId);
}
