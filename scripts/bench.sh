#!/usr/bin/env bash
# Runs the benchmarks; each prints its numbers and writes bench/results/<name>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/npm-install.sh
TS_NODE_TRANSPILE_ONLY=1 node --expose-gc -r ts-node/register/transpile-only bench/grpc-load.bench.ts
