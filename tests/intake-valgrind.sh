#!/bin/bash
# intake-valgrind.sh - leadrouted under valgrind: no memory errors, no
# definite leaks.
#
# The daemon runs under memcheck (G_SLICE=always-malloc, G_DEBUG=gc-friendly,
# GLib's suppressions and tests/valgrind.supp), takes the bad-input cases of
# tests/lmtp-client.py, a few hundred leads over LMTP (parsed, routed and
# notified to an smtp-sink) and some through leadroute-deliver, then stops on
# SIGTERM; valgrind must exit 0 (--error-exitcode=3).  Skips (77) without
# valgrind, and in a sanitizer build (the two do not mix).
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

lr_need_cmd python3 valgrind
lr_tmpdir intake-valgrind
T=$LR_TMP
CLIENT=$LR_SRCDIR/tests/lmtp-client.py
MAX=2000000
lrd_init "$T/lr" "max_message_size = $MAX; session_timeout = 2;"
lrd_sink_start
lrd_memcheck_start 120

# Valgrind runs the daemon 20-50 times slower: the client waits longer for
# each reply (LR_CLIENT_PATIENCE), the session timeouts are still asserted.
export LR_CLIENT_PATIENCE=4
timeout 600 python3 "$CLIENT" bad-input "$LRD_UNIX" --max-size "$MAX" --timeout 2 \
	--report "$T/bad.json" >&2 || lr_fail "bad input under valgrind"
timeout 600 python3 "$CLIENT" load "$LRD_INET" --count 120 --sessions 8 --deadline 100 \
	--report "$T/load.json" >&2 || lr_fail "120 messages under valgrind"
for i in 1 2 3 4 5; do
	printf 'From: Form <form@example.org>\nSubject: pipe %d\nMessage-ID: <vg-pipe-%d@e2e.test>\n\nName: Pipe %d\nCompany: Valgrind Ltd\n' \
		"$i" "$i" "$i" | "$LRD_DELIVER" -c "$LRD_CONF" -r leads+pipe@leads.test \
		-s form@example.org >/dev/null || lr_fail "leadroute-deliver $i"
done
want=$((120 + 5 + $(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$T/bad.json")))
n=$(lrd_count) || exit 1
[ "$n" = "$want" ] || lr_fail "$n leads stored, want $want"
# Under memcheck the router is slow and
# make check runs other tests beside this one: give it time.
lrd_wait_routed 400 || lr_fail "$(lrd_status_count new) leads still new after 400 s"
lrd_memcheck_stop 90
echo "PASS: $want leads under valgrind, no errors, no definite leaks"
