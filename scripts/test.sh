#!/usr/bin/env bash
# The whole test suite, from a fresh clone: system packages, dependencies, type check,
# build, then every jest project (unit + in-process integration, then e2e against dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/npm-install.sh

echo "== typecheck" >&2
./node_modules/.bin/tsc -p tsconfig.json --noEmit

echo "== build" >&2
./node_modules/.bin/nest build -p tsconfig.build.json
bash scripts/build-hook.sh

echo "== jest" >&2
./node_modules/.bin/jest --ci "$@"
