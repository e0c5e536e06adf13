#!/usr/bin/env bash
# Captures real occtl output of each ocserv version into test/fixtures/ocserv-<version>/ (issue 13):
#   bash scripts/capture-occtl-fixtures.sh [1.1.6|1.3.0|1.5.0 ...]     (default: all)
# Runs real ocserv (under chroot for 1.3.0 / 1.5.0, see scripts/ocserv-rootfs.sh) and openconnect
# on loopback; needs root. Recapture rather than edit the files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
TS_NODE_TRANSPILE_ONLY=1 node -r ts-node/register/transpile-only test/support/ocserv-lab/capture-occtl-fixtures.ts "$@"
