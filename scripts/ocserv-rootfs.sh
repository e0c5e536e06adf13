#!/usr/bin/env bash
# A Debian root filesystem holding another release's ocserv, for the test lab (issue 13):
#   trixie -> ocserv 1.3.0 (Debian 13), sid -> ocserv 1.5.0 (Debian unstable).
# Those packages need their own libc, so they run under chroot rather than on this machine.
#
#   bash scripts/ocserv-rootfs.sh trixie|sid     prints the rootfs path (and nothing else) on stdout
#
# Cached in $OCSERV_ROOTFS_CACHE (default /var/cache/ocserv-agent-test) and rebuilt when missing
# or older than $OCSERV_ROOTFS_MAX_AGE_DAYS (default 7). rootfs-<suite> is a symlink to the
# current build (<suite>.<timestamp>: short, because Unix socket paths in the lab dirs inside it
# are limited to 107 bytes); a rebuild is made beside it and swapped in with one
# rename, so a lab never sees a half-built tree, and a build still mounted by a running lab is
# left in place until a later run finds it unmounted. Concurrent runs serialise on a lock file.
# Needs root (mmdebstrap, chroot); installs mmdebstrap from Debian when it is missing.
set -euo pipefail

suite="${1:-}"
case "$suite" in
  trixie | sid) ;;
  *)
    echo "usage: $0 trixie|sid" >&2
    exit 2
    ;;
esac

cache="${OCSERV_ROOTFS_CACHE:-/var/cache/ocserv-agent-test}"
max_age_days="${OCSERV_ROOTFS_MAX_AGE_DAYS:-7}"
link="$cache/rootfs-$suite"
# Written last into a finished build: a tree without it is not one.
stamp_name=.ocserv-rootfs

log() { echo "ocserv-rootfs: $*" >&2; }

# The current build when it is complete and younger than max_age_days.
fresh_build() {
  local dir
  dir="$(readlink -f "$link" 2>/dev/null)" || return 1
  [ -x "$dir/usr/sbin/ocserv" ] && [ -f "$dir/$stamp_name" ] || return 1
  [ -n "$(find "$dir/$stamp_name" -maxdepth 0 -mtime "-$max_age_days" 2>/dev/null)" ] || return 1
  echo "$dir"
}

# True when anything is mounted at or under $1 (a lab using that build).
has_mounts() {
  awk -v dir="$1" '$5 == dir || index($5, dir "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# The Debian mirror this machine's apt uses (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
  local url
  url="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v -- '-security' | head -n 1 | tr -d ' ')" || true
  echo "${url:-http://deb.debian.org/debian}"
}

if dir="$(fresh_build)"; then
  echo "$dir"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "needs root (mmdebstrap and chroot)"
  exit 1
fi

mkdir -p "$cache"
exec 9>"$cache/rootfs-$suite.lock"
flock -w 900 9 || { log "timed out waiting for $cache/rootfs-$suite.lock"; exit 1; }

# Another run may have built it while this one waited for the lock.
if dir="$(fresh_build)"; then
  echo "$dir"
  exit 0
fi

if ! command -v mmdebstrap >/dev/null 2>&1; then
  log "installing mmdebstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi

mirror="${OCSERV_ROOTFS_MIRROR:-$(debian_mirror)}"
build="$cache/$suite.$(date -u +%y%m%d%H%M%S)"
partial="$build.partial"
rm -rf --one-file-system "$partial"
log "building $suite from $mirror into $build"
started=$(date +%s)
# Check-Valid-Until off: sid's Release file is valid for a week only, and a machine whose clock
# is ahead of the mirror's (as this project's are) would refuse it; the packages are still
# verified against the archive keyring.
if ! mmdebstrap --quiet --variant=apt --include=ocserv,openconnect,gnutls-bin \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  "$suite" "$partial" "$mirror" >&2; then
  rm -rf --one-file-system "$partial"
  log "mmdebstrap failed"
  exit 1
fi
version="$(chroot "$partial" /usr/sbin/ocserv --version 2>&1 | head -n 1)"
printf 'suite=%s\nmirror=%s\nbuilt=%s\nocserv=%s\n' "$suite" "$mirror" "$(date -u +%FT%TZ)" "$version" >"$partial/$stamp_name"
mv -T "$partial" "$build"
ln -sfn "$(basename "$build")" "$link.new"
mv -T "$link.new" "$link"
log "built $version in $(($(date +%s) - started)) s"

# Earlier builds, unless a running lab still has them mounted.
for old in "$cache/$suite".*; do
  [ -d "$old" ] && [ ! -L "$old" ] || continue
  [ "$old" != "$build" ] || continue
  if has_mounts "$old"; then
    log "keeping $old: still mounted"
  else
    rm -rf --one-file-system "$old"
  fi
done

echo "$build"
