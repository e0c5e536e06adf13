'use strict';
/*
 * Load client for the hook socket, run as its own process so it does not share
 * the agent's event loop. Plain JS: nothing to compile, starts in ~40 ms.
 *   node bench/ipc-load.client.js '{"socket":"/x/hook.sock","clients":50,"durationMs":10000,
 *                                   "mode":"persistent"|"per-request","users":["alice",...],"intervalMs":5}'
 * persistent: each client keeps one connection and sends NDJSON requests one after
 * another (as tools do), or paced with intervalMs (one request per interval per client); per-request: a new connection per request (as the hook does).
 * Prints {"answered","allowed","errors","elapsed_ms","latencies_ms":[...]} on stdout.
 */
const net = require('node:net');

const args = JSON.parse(process.argv[2]);
const deadline = Date.now() + args.durationMs;
const latencies = [];
let answered = 0;
let allowed = 0;
let errors = 0;
let sequence = 0;

function request() {
  const username = args.users[sequence++ % args.users.length];
  const env = {
    REASON: 'connect',
    USERNAME: username,
    GROUPNAME: 'staff',
    ID: String(100000 + (sequence % 50000)),
    IP_REAL: '127.0.0.1',
    IP_REMOTE: '10.99.0.2',
    DEVICE: 'vpns0',
  };
  return `${JSON.stringify({ op: 'connect', budget_ms: 5000, env })}\n`;
}

function record(line, startedNs) {
  latencies.push(Number(process.hrtime.bigint() - startedNs) / 1e6);
  answered += 1;
  try {
    if (JSON.parse(line).allowed === true) allowed += 1;
  } catch {
    errors += 1;
  }
}

function persistentClient() {
  return new Promise((resolve) => {
    const socket = net.createConnection(args.socket);
    let buffer = '';
    let startedNs = 0n;
    // intervalMs: paced (one request every intervalMs, or at once when the last answer came late), else back to back.
    let nextAtMs = Date.now();
    const sendNow = () => {
      if (Date.now() >= deadline) {
        socket.end();
        return;
      }
      startedNs = process.hrtime.bigint();
      socket.write(request());
    };
    const send = () => {
      if (!args.intervalMs) return sendNow();
      nextAtMs += args.intervalMs;
      const waitMs = nextAtMs - Date.now();
      if (waitMs <= 0) return sendNow();
      setTimeout(sendNow, waitMs);
    };
    socket.setEncoding('utf8');
    socket.on('connect', send);
    socket.on('data', (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        record(buffer.slice(0, newline), startedNs);
        buffer = buffer.slice(newline + 1);
        send();
      }
    });
    socket.on('error', () => {
      errors += 1;
      resolve();
    });
    socket.on('close', resolve);
  });
}

function oneShot() {
  return new Promise((resolve) => {
    const startedNs = process.hrtime.bigint();
    const socket = net.createConnection(args.socket);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(request()));
    socket.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline !== -1) {
        record(buffer.slice(0, newline), startedNs);
        socket.end();
      }
    });
    socket.on('error', () => {
      errors += 1;
      resolve();
    });
    socket.on('close', resolve);
  });
}

async function perRequestClient() {
  while (Date.now() < deadline) {
    await oneShot();
  }
}

async function main() {
  const startedMs = Date.now();
  const client = args.mode === 'per-request' ? perRequestClient : persistentClient;
  await Promise.all(Array.from({ length: args.clients }, client));
  const elapsedMs = Date.now() - startedMs;
  process.stdout.write(JSON.stringify({ answered, allowed, errors, elapsed_ms: elapsedMs, latencies_ms: latencies }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
