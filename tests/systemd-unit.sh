#!/bin/sh
# systemd-unit.sh - the unit make builds (examples/systemd/leadrouted.service)
# passes systemd-analyze verify, with its programs and man pages those of
# this build (ExecStart pointed at the built leadrouted, MANPATH at the
# built pages: verify checks both exist), and says what issue 13 asks:
# started as root (the daemon drops to server.user after binding, so no
# User=), Restart=on-failure, ProtectSystem=strict with the home writable,
# ExecReload sending SIGHUP.  systemd-analyze comes with systemd
# (scripts/deps.sh): without it the test fails.
set -u
: "${LR_SRCDIR:=.}" "${LR_BUILDDIR:=.}"
B=$(cd "$LR_BUILDDIR" && pwd)
unit="$B/examples/systemd/leadrouted.service"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ -f "$unit" ] || { echo "FAIL: $unit was not built"; exit 1; }
command -v systemd-analyze > /dev/null 2>&1 ||
	{ echo "FAIL: systemd-analyze is not installed (sh scripts/deps.sh)"; exit 1; }
T=$(mktemp -d /tmp/lr-unit.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

want() { grep -qx -- "$1" "$unit" || bad "the unit lacks the line '$1'"; }
want 'Restart=on-failure'
want 'ProtectSystem=strict'
want 'ReadWritePaths=/var/lib/leadroute'
want 'ExecReload=/bin/kill -HUP $MAINPID'
want 'RestartPreventExitStatus=64 78'
grep -q '^ExecStart=/.*/leadrouted -f -c /.*/leadroute/leadroute.conf$' "$unit" ||
	bad "ExecStart is not leadrouted -f -c CONFIG: $(grep ^ExecStart= "$unit")"
grep -q '^User=' "$unit" && bad "User= set: the daemon must start as root to bind and drop itself"
grep -q '@[a-z]*dir@' "$unit" && bad "unsubstituted folders in the unit"
# The daemon's own home default is what the unit lets it write.
grep -q '"/var/lib/leadroute"' "$LR_SRCDIR/rules/server-config.c" ||
	bad "server.home's default is no longer /var/lib/leadroute: change ReadWritePaths"

mkdir -p "$T/man/man5" "$T/man/man8"
cp "$B/docs/leadrouted.8" "$T/man/man8/" && cp "$B/docs/leadroute.conf.5" "$T/man/man5/" ||
	bad "man pages not built"
sed "s|^ExecStart=[^ ]*/leadrouted |ExecStart=$B/src/leadrouted |" "$unit" > "$T/leadrouted.service"
out=$(cd "$T" && MANPATH="$T/man" systemd-analyze verify "$T/leadrouted.service" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || bad "systemd-analyze verify: exit $rc"
# Unknown keys and bad values are only warnings: any word about our unit fails.
if printf '%s\n' "$out" | grep -q 'leadrouted'; then
	bad "systemd-analyze verify:"
	printf '%s\n' "$out"
fi
# ... and the same verify does see a broken unit (a check that could not fail
# is no check).
sed 's/^Restart=on-failure/Restart=sometimes/' "$T/leadrouted.service" > "$T/broken.service"
out=$(cd "$T" && MANPATH="$T/man" systemd-analyze verify "$T/broken.service" 2>&1)
printf '%s\n' "$out" | grep -q 'broken.service' || bad "verify did not notice Restart=sometimes"
[ "$fail" -eq 0 ] && echo "PASS: leadrouted.service verifies"
exit "$fail"
