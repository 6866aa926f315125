#!/bin/bash
# lmtp-throughput.sh - messages/s that the LMTP server accepts from Postfix's
# smtp-source, beside Postfix's smtp-sink (which stores nothing) measured in
# the same run: the ratio is the figure to watch.
#
# Usage: bench/lmtp-throughput.sh [MESSAGES] [SESSIONS]   (default 20000 16)
# Needs a build with tests/lmtp-echo-server (make check builds it); run from
# the build folder or set LR_BUILDDIR.  Loopback only, bounded in count and time.
set -u
. "${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib/common.sh"

count=${1:-20000}
sessions=${2:-16}
source_bin=${SMTP_SOURCE:-$(command -v smtp-source || echo /usr/sbin/smtp-source)}
sink_bin=${SMTP_SINK:-$(command -v smtp-sink || echo /usr/sbin/smtp-sink)}
server=$LR_BUILDDIR/tests/lmtp-echo-server
[ -x "$source_bin" ] && [ -x "$sink_bin" ] || lr_skip "smtp-source/smtp-sink not found"
[ -x "$server" ] || lr_fail "$server not built (make tests/lmtp-echo-server)"
lr_tmpdir lmtp-throughput

# rate ADDRESS [OPTIONS] - messages/s of one smtp-source run against ADDRESS.
rate() {
	local addr=$1 start end
	shift
	start=$(date +%s.%N)
	timeout 600 "$source_bin" -L -s "$sessions" -m "$count" "$@" -f a@b.example \
		-t leads@x.example "$addr" || lr_fail "smtp-source $addr failed"
	end=$(date +%s.%N)
	awk -v n="$count" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }'
}

# Baseline: smtp-sink, LMTP on a unix socket.
user=()
[ "$(id -u)" = 0 ] && user=(-u nobody)
"$sink_bin" -L "${user[@]}" "unix:$LR_TMP/sink" 256 &
sink=$!
lr_on_exit "lr_kill_pid $sink 5"
lr_wait_unix "$LR_TMP/sink" || lr_fail "smtp-sink did not start"

"$server" --sessions 256 "unix:$LR_TMP/lmtp" >"$LR_TMP/out" 2>"$LR_TMP/log" &
echo_pid=$!
lr_on_exit "lr_kill_pid $echo_pid 5"
lr_wait_until 10 grep -qx ready "$LR_TMP/out" || lr_fail "lmtp-echo-server did not start"

for mode in "one message per session" "-d: all messages over $sessions sessions"; do
	opts=()
	[ "${mode:0:2}" = -d ] && opts=(-d)
	base=$(rate "unix:$LR_TMP/sink" "${opts[@]}")
	ours=$(rate "unix:$LR_TMP/lmtp" "${opts[@]}")
	ratio=$(awk -v a="$ours" -v b="$base" 'BEGIN { print a / b }')
	printf 'lmtp %s, %s messages, %s sessions: %s msg/s, smtp-sink %s msg/s, ratio %.2f\n' \
		"$mode" "$count" "$sessions" "$ours" "$base" "$ratio"
done
kill -TERM "$echo_pid"
lr_wait_until 30 grep -q '^stored=' "$LR_TMP/out" || lr_fail "lmtp-echo-server did not stop"
grep '^stored=' "$LR_TMP/out"
