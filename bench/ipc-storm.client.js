'use strict';
/*
 * Synthetic login storm on the hook socket, its own process: N connect requests for
 * distinct new users, all opened at once, one connection each (as N hooks would).
 *   node bench/ipc-storm.client.js '{"socket":"/x/hook.sock","count":2000,"budgetMs":5000,"tag":"a"}'
 * Prints {"answered","allowed","errors","elapsed_ms","latencies_ms":[...],"deny_reasons":{...}}.
 */
const net = require('node:net');

const args = JSON.parse(process.argv[2]);
const latencies = [];
const denyReasons = {};
let answered = 0;
let allowed = 0;
let errors = 0;

function one(i) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const env = { REASON: 'connect', USERNAME: `syn${args.tag}${i}`, GROUPNAME: 'staff', ID: String(200000 + i), IP_REAL: '127.0.0.1', IP_REMOTE: '10.99.0.2', DEVICE: 'vpns0' };
    const socket = net.createConnection(args.socket);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ op: 'connect', budget_ms: args.budgetMs, env })}\n`));
    socket.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      answered += 1;
      try {
        const reply = JSON.parse(buffer.slice(0, newline));
        if (reply.allowed === true) allowed += 1;
        else denyReasons[reply.reason ?? reply.error] = (denyReasons[reply.reason ?? reply.error] ?? 0) + 1;
      } catch {
        errors += 1;
      }
      socket.end();
      resolve();
    });
    socket.on('error', () => {
      errors += 1;
      resolve();
    });
  });
}

const started = Date.now();
Promise.all(Array.from({ length: args.count }, (_, i) => one(i))).then(() => {
  process.stdout.write(JSON.stringify({ answered, allowed, errors, elapsed_ms: Date.now() - started, latencies_ms: latencies, deny_reasons: denyReasons }));
});
