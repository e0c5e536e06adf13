#!/usr/bin/env bash
# Installs what the agent's build, tests and demo need from Debian, only when missing.
# Idempotent: a machine that has everything runs no apt-get at all.
set -euo pipefail

# Debian package -> a command it provides (checked before installing).
declare -A PACKAGES=(
  [openssl]=openssl          # throwaway CAs for tests and the demo
  [ocserv]=ocserv            # the real VPN server the lab and demo run (also brings occtl, ocpasswd)
  [openconnect]=openconnect  # real VPN clients for the lab
  [coreutils]=stdbuf         # line-buffers `occtl show events` into a pipe
  [util-linux]=setpriv       # ties `occtl show events` to the agent's life (parent-death signal)
  [gcc]=gcc                  # compiles the connect-script hook (scripts/build-hook.sh)
)

# Debian package -> a file it provides, for packages without a command.
declare -A PACKAGE_FILES=(
  [libc6-dev]=/usr/include/stdio.h  # C headers and crt files for the hook
)

missing=()
for package in "${!PACKAGES[@]}"; do
  command -v "${PACKAGES[$package]}" >/dev/null 2>&1 || [ -x "/usr/sbin/${PACKAGES[$package]}" ] || missing+=("$package")
done
for package in "${!PACKAGE_FILES[@]}"; do
  [ -e "${PACKAGE_FILES[$package]}" ] || missing+=("$package")
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

# Debian starts the packaged ocserv (0.0.0.0:443, system config) on install. The
# lab runs its own instances on loopback, so a server this script just installed
# is stopped and disabled again; an ocserv that was already there is left alone.
if [[ " ${missing[*]} " == *" ocserv "* ]] && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now ocserv.service ocserv.socket >/dev/null 2>&1 || true
  echo "install-deps: stopped and disabled the packaged ocserv service (tests run their own)" >&2
fi
