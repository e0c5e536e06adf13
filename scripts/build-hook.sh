#!/usr/bin/env bash
# Compiles the connect-script hook (hook/ocserv-agent-hook.c, see docs/hook.md) to
# dist-hook/ocserv-agent-hook. Rebuilds only when the source or this script is newer
# than the binary, so tests and scripts can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

SOURCE=hook/ocserv-agent-hook.c
OUTPUT=dist-hook/ocserv-agent-hook
CC="${CC:-cc}"
CFLAGS=(-O2 -Wall -Wextra -Werror -std=c11 -D_GNU_SOURCE -fstack-protector-strong -D_FORTIFY_SOURCE=2)

if [ -x "$OUTPUT" ] && [ "$OUTPUT" -nt "$SOURCE" ] && [ "$OUTPUT" -nt "$0" ]; then
  exit 0
fi

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-hook: no C compiler ('$CC' not found); install gcc and libc6-dev (bash scripts/install-deps.sh)" >&2
  exit 1
fi

mkdir -p "$(dirname "$OUTPUT")"
# Built under a per-process name and renamed: parallel callers (jest workers) never
# see or run a half-written binary.
"$CC" "${CFLAGS[@]}" -o "$OUTPUT.$$.tmp" "$SOURCE" || { rm -f "$OUTPUT.$$.tmp"; echo "build-hook: compiling $SOURCE failed" >&2; exit 1; }
mv -f "$OUTPUT.$$.tmp" "$OUTPUT"
echo "build-hook: built $OUTPUT" >&2
