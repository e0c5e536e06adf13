#!/usr/bin/env bash
# Installs dependencies from package-lock.json when node_modules is missing or
# was installed from another lock file; otherwise does nothing.
#
# `npm install`, not `npm ci`: npm 11 leaves other platforms' optional binaries
# (@bufbuild/buf-darwin-*, ...) out of the lock file and `npm ci` then refuses it
# (npm/cli#8320, #4828). `npm install` honours the locked versions and leaves
# the lock file unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.package-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
echo "npm-install: installing dependencies from package-lock.json" >&2
# build-from-source (also in .npmrc): better-sqlite3 compiles here instead of fetching a binary from GitHub.
npm_config_build_from_source=true npm install --no-audit --no-fund --loglevel=error
echo "$wanted" > "$stamp"
