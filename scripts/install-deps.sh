#!/usr/bin/env bash
# Installs what the agent's build, tests and demo need from Debian, only when missing.
# Idempotent: a machine that has everything runs no apt-get at all.
set -euo pipefail

# Debian package -> a command it provides (checked before installing).
declare -A PACKAGES=(
  [openssl]=openssl   # throwaway CAs for tests and the demo
)

missing=()
for package in "${!PACKAGES[@]}"; do
  command -v "${PACKAGES[$package]}" >/dev/null 2>&1 || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
