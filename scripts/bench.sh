#!/usr/bin/env bash
# Runs the benchmarks; each prints its numbers and writes bench/results/<name>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/npm-install.sh
npm run build --silent
if [ "${1:-all}" = all ] || [ "$1" = grpc ]; then
  TS_NODE_TRANSPILE_ONLY=1 node --expose-gc -r ts-node/register/transpile-only bench/grpc-load.bench.ts
fi
if [ "${1:-all}" = all ] || [ "$1" = occtl ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/occtl.bench.ts
fi
if [ "${1:-all}" = all ] || [ "$1" = authorization ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/authorization.bench.ts
fi
if [ "${1:-all}" = all ] || [ "$1" = storm ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/storm.bench.ts
fi
if [ "${1:-all}" = all ] || [ "$1" = ipc-storm ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/ipc-storm.bench.ts
fi
if [ "${1:-all}" = all ] || [ "$1" = user-config ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/user-config.bench.ts
fi
if [ "${1:-all}" = all ] || [ "$1" = events-latency ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/events-latency.bench.ts
fi
if [ "${1:-all}" = all ] || [ "$1" = outbox-drain ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/outbox-drain.bench.ts
fi
# Not part of "all": ten minutes of hostile load (SOAK_SECONDS to change it).
if [ "${1:-all}" = soak ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/hostile-soak.bench.ts
fi
# Not part of "all": builds the Debian rootfs of ocserv 1.3.0 and 1.5.0 when they are not cached (issue 13).
if [ "${1:-all}" = ocserv-lab ]; then
  TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only bench/ocserv-lab.bench.ts
fi
