#!/usr/bin/env bash
# The /dev and /proc mounts an ocserv under chroot needs, shared by every lab using one rootfs
# (several jest workers may run labs on it at once). Each lab is a "user": a file in
# <rootfs>/run/ocserv-lab/users naming the process that owns it (pid and start time, so a reused
# pid is not taken for it), its lab dir and its ocserv. The first user mounts, the last one
# unmounts. Users whose owner is gone (a crashed or SIGKILLed test run) are pruned whenever
# the mounts are touched: their ocserv is killed (its process group, and only when pid, start
# time and chroot all still match), their lab dir removed, and with no live user left the
# mounts are undone. A lab released by the process-exit hook of a failed run keeps its dir
# for a day.
#
#   rootfs-mounts.sh acquire ROOTFS USER OWNER_PID LAB_DIR
#   rootfs-mounts.sh server  ROOTFS USER SERVER_PID
#   rootfs-mounts.sh release ROOTFS USER
#   rootfs-mounts.sh prune   ROOTFS
set -euo pipefail

op="${1:-}"
root="${2:-}"
[ -n "$op" ] && [ -d "$root" ] && [ -x "$root/usr/sbin/ocserv" ] || {
  echo "usage: $0 acquire|server|release|prune ROOTFS ..." >&2
  exit 2
}
root="$(readlink -f "$root")"
state="$root/run/ocserv-lab"
users="$state/users"
mkdir -p "$users"
exec 9>"$state/mounts.lock"
flock -w 60 9

# "PID:STARTTIME" of a live process, empty when there is none.
identity() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  # Field 22 (start time); the command name in field 2 may hold spaces and parentheses.
  stat="${stat##*) }"
  echo "$1:$(echo "$stat" | awk '{ print $20 }')"
}

alive() { # PID:STARTTIME
  [ -n "$1" ] && [ "$(identity "${1%%:*}")" = "$1" ]
}

field() { # FILE KEY: its last value (a lab that restarted its ocserv records each server)
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

prune_dead_users() {
  local file owner server pid dir
  for file in "$users"/*; do
    [ -f "$file" ] || continue
    owner="$(field "$file" owner)"
    alive "$owner" && continue
    server="$(field "$file" server)"
    pid="${server%%:*}"
    # Its ocserv, if still running in this rootfs: a detached process group of its own.
    if alive "$server" && [ "$(readlink "/proc/$pid/root")" = "$root" ]; then
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    dir="$(field "$file" dir)"
    case "$dir" in
      "$root"/tmp/ocserv-lab-*) rm -rf --one-file-system "$dir" ;;
    esac
    rm -f "$file"
  done
}

# Lab dirs no user names any more (a test run that failed keeps its dir, ocserv.log included,
# for a post-mortem), removed a day later.
remove_old_lab_dirs() {
  local dir
  for dir in "$root"/tmp/ocserv-lab-*; do
    [ -d "$dir" ] || continue
    grep -qxF "dir=$dir" "$users"/* 2>/dev/null && continue
    [ -n "$(find "$dir" -maxdepth 0 -mmin +1440)" ] && rm -rf --one-file-system "$dir"
  done
  return 0
}

live_users() {
  find "$users" -mindepth 1 -maxdepth 1 -type f | wc -l
}

unmount_all() {
  local point
  for point in "$root/proc" "$root/dev"; do
    if mountpoint -q "$point"; then
      # Busy when a killed ocserv has not been reaped yet: detach it then, it goes with the last user.
      umount "$point" 2>/dev/null || umount --lazy "$point"
    fi
  done
}

mount_all() {
  # --bind, not --rbind: /dev/pts and /dev/shm are not needed, and a recursive unmount of a
  # recursive bind is how chroot helpers have unmounted the host's /dev/pts.
  mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
  mount --make-private "$root/dev"
  mountpoint -q "$root/proc" || mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
}

case "$op" in
  acquire)
    user="$3" owner_pid="$4" dir="$5"
    prune_dead_users
    remove_old_lab_dirs
    # No live user but mounts left: a crashed run's. Start from a clean state.
    [ "$(live_users)" -eq 0 ] && unmount_all
    printf 'owner=%s\ndir=%s\n' "$(identity "$owner_pid")" "$dir" >"$users/$user"
    mount_all
    ;;
  server)
    user="$3" server_pid="$4"
    [ -f "$users/$user" ] && printf 'server=%s\n' "$(identity "$server_pid")" >>"$users/$user"
    ;;
  release)
    user="$3"
    rm -f "$users/$user"
    prune_dead_users
    [ "$(live_users)" -eq 0 ] && unmount_all
    ;;
  prune)
    prune_dead_users
    remove_old_lab_dirs
    [ "$(live_users)" -eq 0 ] && unmount_all
    ;;
  *)
    echo "unknown operation: $op" >&2
    exit 2
    ;;
esac
exit 0
