#!/bin/bash
# daemon-syslog.sh - leadrouted started without -f detaches and logs to
# syslog with facility LOG_MAIL, one line per event in the style guide's
# format ("leadrouted[PID]: LEAD: key=value ..."); -v adds each LMTP
# session's protocol (at LOG_DEBUG); with -f the same lines go to stderr
# and none to syslog.
#
# The syslog end is real: glibc's syslog(3) writes datagrams to /dev/log,
# and this test (as root, in a private mount namespace made by unshare, so
# that nothing outside it changes) mounts a fresh /dev (tmpfs with the few
# device nodes the programs open) whose /dev/log is a socket it reads
# itself.  The daemon's code path is exactly the production one: no
# environment override, no other socket.  Needs root (unshare, mknod) and
# fails without it (tests/lib/mountns.sh); CI runs as root.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/mountns.sh"
lr_reexec_in_mount_ns LR_SYSLOG_NS "a private /dev/log in a mount namespace" "$@"
. "$LR_SRCDIR/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

# A /dev of our own: only this namespace sees it.
mount -t tmpfs -o mode=0755 lr-dev /dev || lr_fail "mount a private /dev"
mknod -m 0666 /dev/null c 1 3 && mknod -m 0666 /dev/zero c 1 5 &&
	mknod -m 0666 /dev/random c 1 8 && mknod -m 0666 /dev/urandom c 1 9 ||
	lr_fail "mknod in the private /dev"
mkdir -m 1777 /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin && ln -s /proc/self/fd/1 /dev/stdout &&
	ln -s /proc/self/fd/2 /dev/stderr

lr_tmpdir daemon-syslog
lrd_init "$LR_TMP/lr"
SYSLOG=$LR_TMP/syslog.txt
: >"$SYSLOG"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
out = open(sys.argv[1], "a", buffering=1)
open(sys.argv[2], "w").close()
while True:
    out.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n") + "\n")
' "$SYSLOG" "$LR_TMP/syslog.ready" &
SYSLOG_PID=$!
lr_on_exit "kill $SYSLOG_PID 2>/dev/null; wait $SYSLOG_PID 2>/dev/null"
lr_wait_until 10 test -e "$LR_TMP/syslog.ready" || lr_fail "the /dev/log reader did not start"

# daemon_pid - the PID the detached daemon logs under (LOG_PID), once it
# said "started" (the daemon is not our child: its PID comes from its log).
daemon_pid() {
	sed -n 's/.* leadrouted\[\([0-9]*\)\]: started config=.*/\1/p' "$SYSLOG" | tail -1
}
pid_known() { [ -n "$(daemon_pid)" ]; }
# stop_detached PID - SIGTERM the daemon we started (checked by its
# program path, so a reused PID is left alone) and wait for it.
stop_detached() {
	local pid=${1:-}
	[ -n "$pid" ] || return 0
	grep -q "$LRD_DAEMON" "/proc/$pid/cmdline" 2>/dev/null || return 0
	kill -TERM "$pid"
	lr_wait_until 30 lr__pids_gone "$pid" || { kill -KILL "$pid"; lr_fail "leadrouted $pid ignored SIGTERM"; }
}
# run_detached ARGS - start leadrouted ARGS (no -f) as the daemon account
# would be started by an init system; it must return at once, say nothing
# on stdout/stderr, and listen.
run_detached() {
	local out rc
	out=$(timeout 30 "$LRD_DAEMON" -c "$LRD_CONF" "$@" </dev/null 2>&1)
	rc=$?
	[ "$rc" = 0 ] || lr_fail "leadrouted $* (without -f) exited $rc: $out"
	[ -z "$out" ] || lr_fail "leadrouted without -f wrote to stdout/stderr: $out"
	lr_wait_until 60 pid_known || { cat "$SYSLOG"; lr_fail "no 'started' line in syslog"; }
	PID=$(daemon_pid)
	lr_on_exit "stop_detached $PID"
	lr_wait_unix "$LRD_SOCKET" 30 || lr_fail "the detached daemon does not listen"
}
send_one() {
	python3 "$LR_SRCDIR/tests/lmtp-client.py" load "$LRD_UNIX" --count 1 --prefix "$1" \
		--deadline 30 --report "$LR_TMP/$1.json" >/dev/null || lr_fail "LMTP delivery ($1)"
}
# mail_lines PID - the syslog lines of PID whose facility is mail (PRI/8 = 2).
mail_lines() {
	awk -v pid="$1" '{ if (match($0, /^<[0-9]+>/)) { pri = substr($0, 2, RLENGTH - 2) + 0;
		if (int(pri / 8) == 2 && index($0, " leadrouted[" pid "]: ")) print } }' "$SYSLOG"
}

run_detached
send_one plain
lr_wait_until 30 grep -q "leadrouted\[$PID\]: [0-9][0-9]*: lmtp session=[0-9]* from=<" "$SYSLOG" ||
	{ cat "$SYSLOG"; lr_fail "no lead line (LEAD: lmtp session=... from=<...>) in syslog"; }
n_all=$(grep -c " leadrouted\[$PID\]: " "$SYSLOG")
n_mail=$(mail_lines "$PID" | wc -l)
[ "$n_all" -ge 3 ] && [ "$n_all" = "$n_mail" ] ||
	{ cat "$SYSLOG"; lr_fail "$n_mail of $n_all lines of leadrouted[$PID] have facility mail"; }
grep -q " leadrouted\[$PID\]: lmtp session=[0-9]* in=" "$SYSLOG" &&
	lr_fail "protocol lines logged without -v"
grep -q "status=dropped-root" "$SYSLOG" || lr_fail "no dropped-root line in syslog"
stop_detached "$PID"
grep -q " leadrouted\[$PID\]: stopped$" "$SYSLOG" || { cat "$SYSLOG"; lr_fail "no 'stopped' line"; }
echo "ok: without -f: detached, $n_mail lines at LOG_MAIL, lead lines start with the id"

# -v: the protocol, at LOG_DEBUG (PRI 2*8+7 = 23), commands and replies.
: >"$SYSLOG"
run_detached -v
send_one verbose
lr_wait_until 30 grep -q "^<23>.* leadrouted\[$PID\]: lmtp session=[0-9]* out=\"250 2.1.5 Ok\"" "$SYSLOG" ||
	{ cat "$SYSLOG"; lr_fail "-v: no reply lines at LOG_DEBUG"; }
grep -q "^<23>.* leadrouted\[$PID\]: lmtp session=[0-9]* in=\"MAIL FROM:<" "$SYSLOG" ||
	{ cat "$SYSLOG"; lr_fail "-v: no command lines"; }
stop_detached "$PID"
echo "ok: -v adds the LMTP protocol at LOG_DEBUG"

# -f: stderr, and nothing in syslog.
: >"$SYSLOG"
lrd_start || { cat "$LRD_LOG"; lr_fail "leadrouted -f did not start"; }
send_one foreground
lr_wait_until 30 grep -q "^leadrouted\[$LRD_PID\]: [0-9][0-9]*: lmtp session=[0-9]* from=<" "$LRD_LOG" ||
	{ cat "$LRD_LOG"; lr_fail "-f: no lead line on stderr"; }
lrd_stop
[ -s "$SYSLOG" ] && { cat "$SYSLOG"; lr_fail "-f: lines went to syslog"; }
echo "ok: -f logs to stderr only"
