#!/bin/bash
# fresh-debian.sh - run a command in a fresh clone of this repository, as
# root, in /root (mode 0700) of a minimal Debian 12 chroot: the proof that
# the README's two commands work on a new machine.  A developer tool, run
# by hand (as root); make check does not run it.
#
# Usage: scripts/fresh-debian.sh [-r REPO] [-b BRANCH] [-s DIR] [-n NAME] CHROOT [COMMAND]
#   CHROOT     the chroot's folder; when it is absent or empty, a minbase
#              Debian 12 (bookworm) is debootstrapped there first.  Use a
#              copy you may throw away (cp -a PRISTINE CHROOT): the command
#              installs packages in it.
#   COMMAND    run by /bin/sh in the clone (default: the README's second
#              command, sh scripts/deps.sh && autoreconf -fi && ./configure
#              && make check); its exit status is the script's.
#   -r REPO    the repository to clone (default: the one this script is in);
#              only committed work is cloned.
#   -b BRANCH  the branch to check out (default: REPO's current branch).
#   -s DIR     also copy DIR into the chroot as /root/shared, beside the
#              clone (for trees that still read ../shared).
#   -n NAME    the clone is /root/NAME (default: leadroute); an old one is
#              removed first.
# What it does, in order:
#   1. debootstrap --variant=minbase bookworm CHROOT when CHROOT is empty
#      (the mirror is the first URIs: of the host's
#      /etc/apt/sources.list.d/debian.sources, else deb.debian.org);
#   2. copies the host's /etc/resolv.conf and debian.sources into the
#      chroot (its own sources.list is moved aside), and installs a
#      policy-rc.d that keeps package scripts from starting services there
#      (the tests start private Postfix and Dovecot instances of their own);
#   3. binds CHROOT onto itself (a root that is a mount point), mounts proc, sysfs, /dev/pts (a bind of the host's) and a tmpfs on
#      /dev/shm inside CHROOT;
#   4. clones REPO with the host's git into CHROOT/root/NAME, /root being
#      0700 and root's, as a Debian 12 home is;
#   5. runs COMMAND there with a clean environment (HOME=/root, a standard
#      PATH) through chroot(8);
#   6. at exit, even on failure or ^C: stops processes still running with
#      CHROOT as their root (by PID: TERM, then KILL), then unmounts the
#      mounts by path (umount -R), last mounted first.
# Example (the proof of issue 8, the output kept in a log):
#   cp -a /work/chroot/deb12 /tmp/deb12-run
#   scripts/fresh-debian.sh /tmp/deb12-run \
#     'sh scripts/deps.sh && autoreconf -fi && ./configure && make && sh scripts/demo.sh'
#   scripts/fresh-debian.sh /tmp/deb12-run 2>&1 | tee fresh.log
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
branch=
shared=
name=leadroute
readme_check='sh scripts/deps.sh && autoreconf -fi && ./configure && make check'

# usage - the synopsis on stderr, exit 2.
usage() {
	sed -n '/^# Usage:/,/^# What it does/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

while getopts r:b:s:n:h opt; do
	case $opt in
	r) repo=$OPTARG ;;
	b) branch=$OPTARG ;;
	s) shared=$OPTARG ;;
	n) name=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
root=$1
cmd=${2:-$readme_check}
[ "$(id -u)" = 0 ] || { echo "fresh-debian.sh: run it as root" >&2; exit 2; }
case $name in */* | . | .. | '') echo "fresh-debian.sh: bad name '$name'" >&2; exit 2 ;; esac
mkdir -p "$root" || exit 1
root=$(cd "$root" && pwd -P)
[ "$root" != / ] || { echo "fresh-debian.sh: the chroot cannot be /" >&2; exit 2; }
[ -n "$branch" ] || branch=$(git -C "$repo" rev-parse --abbrev-ref HEAD) || exit 1

MOUNTED=()

# say - a progress line on stderr.
say() {
	echo "fresh-debian: $*" >&2
}

# host_mirror - the first Debian mirror the host's apt uses.
host_mirror() {
	local m
	m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
		head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

# chroot_pids - processes whose root folder is the chroot.
chroot_pids() {
	local d r
	for d in /proc/[0-9]*; do
		r=$(readlink "$d/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && echo "${d#/proc/}"
	done
}

# stop_leftovers - TERM, then KILL, what still runs inside the chroot.
stop_leftovers() {
	local pids i
	pids=$(chroot_pids)
	[ -z "$pids" ] && return 0
	say "stopping processes left in the chroot: $(echo $pids)"
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[ -z "$(chroot_pids)" ] && return 0
		sleep 0.2
	done
	pids=$(chroot_pids)
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	sleep 0.5
}

# cleanup - the exit trap: leftovers, then every mount by path, newest first.
cleanup() {
	local status=$? i
	trap - EXIT INT TERM
	stop_leftovers
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		umount -R "${MOUNTED[i]}" || say "could not unmount ${MOUNTED[i]}"
	done
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mount_in WHERE ARGS... - mount inside the chroot and remember it.
mount_in() {
	local where=$root/$1
	shift
	mkdir -p "$where"
	mountpoint -q "$where" && { say "$where is mounted already"; return 0; }
	mount "$@" "$where" || { say "cannot mount $where"; exit 1; }
	MOUNTED+=("$where")
}

# 1. A minimal Debian 12 when the folder is empty.
if [ -z "$(ls -A "$root")" ]; then
	say "debootstrap --variant=minbase bookworm $root $(host_mirror)"
	debootstrap --variant=minbase bookworm "$root" "$(host_mirror)" >&2 || exit 1
fi
[ -x "$root/bin/sh" ] || { say "$root is not a Debian root (no /bin/sh)"; exit 1; }

# 2. The network and apt of the host; no services started by packages.
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
	cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
	[ -f "$root/etc/apt/sources.list" ] &&
		mv "$root/etc/apt/sources.list" "$root/etc/apt/sources.list.orig"
fi
printf '#!/bin/sh\n# fresh-debian.sh: no services start inside this chroot.\nexit 101\n' \
	>"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

# 3. The chroot's root a mount point of its own (as / is on a machine:
# unshare --propagation, which daemon-syslog.sh uses, fails on a root that
# is not one), then the kernel's file systems.
if ! mountpoint -q "$root"; then
	mount --bind "$root" "$root" || { say "cannot bind $root onto itself"; exit 1; }
	MOUNTED+=("$root")
fi
mount_in proc -t proc proc
mount_in sys -t sysfs sysfs
mount_in dev/pts --bind /dev/pts
mount_in dev/shm -t tmpfs -o mode=1777,nosuid,nodev shm

# 4. The clone, in a home nobody else may enter.
chmod 0700 "$root/root"
rm -rf "${root:?}/root/$name"
say "git clone -b $branch $repo -> /root/$name"
git clone -q -b "$branch" "$repo" "$root/root/$name" || exit 1
say "at $(git -C "$root/root/$name" log --oneline -1)"
if [ -n "$shared" ]; then
	rm -rf "${root:?}/root/shared"
	cp -a "$shared" "$root/root/shared" || exit 1
fi

# 5. The command, as root in the clone, with a login's environment.
say "running in /root/$name: $cmd"
chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/sh TERM=dumb \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/sh -c "cd /root/$name && $cmd"
status=$?
say "exit status $status"
exit "$status"
