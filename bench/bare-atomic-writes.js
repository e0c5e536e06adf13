#!/usr/bin/env node
// The control of bench/user-config.bench.ts: COUNT concurrent plain atomic writes (temp
// file, write, fsync, rename, fsync of the directory) of the same files the agent writes,
// by a bare Node process with no validation, no gRPC and no backups. Prints JSON latencies.
'use strict';
const { open, rename } = require('node:fs/promises');
const { join } = require('node:path');

/** The plain atomic write both controls do; resolves with its duration in ms. */
async function atomicWrite(dir, name, text) {
  const started = process.hrtime.bigint();
  const temp = join(dir, `.${name}.bare.tmp`);
  const handle = await open(temp, 'wx', 0o640);
  await handle.writeFile(text);
  await handle.sync();
  await handle.close();
  await rename(temp, join(dir, name));
  const dirHandle = await open(dir, 'r');
  await dirHandle.sync();
  await dirHandle.close();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main() {
  const [, , dir, count, prefix] = process.argv;
  const names = Array.from({ length: Number(count) }, (_, index) => `${prefix}${index}`);
  const started = process.hrtime.bigint();
  const latencies = await Promise.all(names.map((name, index) => atomicWrite(dir, name, `route = 10.${index % 256}.0.0/16\ndns = 10.0.0.53\n`)));
  process.stdout.write(JSON.stringify({ latencies_ms: latencies, elapsed_ms: Number(process.hrtime.bigint() - started) / 1e6 }));
}

module.exports = { atomicWrite };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
