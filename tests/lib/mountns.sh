# tests/lib/mountns.sh - a test that changes a file every program reads
# (/etc/resolv.conf, /dev/log) does it in a mount namespace of its own, so
# that nothing outside the test sees the change.  Sourced first, before
# common.sh (whose exit traps belong to the process that stays).
#
# lr_reexec_in_mount_ns VAR WHY - unless VAR is set (we are the re-run),
# run this script again under `unshare --mount --propagation private`
# with VAR=1 and the same arguments, and never return.  Needs root: without
# it, or without unshare, prints "FAIL: needs root (WHY)" and exits 1 (a
# test that cannot run fails; CI runs as root).
lr_reexec_in_mount_ns() {
	local var=$1 why=$2
	shift 2
	[ -n "${!var:-}" ] && return 0
	[ "$(id -u)" = 0 ] || { echo "FAIL: needs root ($why)"; exit 1; }
	command -v unshare >/dev/null || { echo "FAIL: unshare (util-linux) not found"; exit 1; }
	export "$var=1"
	exec unshare --mount --propagation private -- bash "$0" "$@"
	echo "FAIL: unshare --mount"
	exit 1
}
