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
# The daemon runs as nobody: its suppressions are a copy it can read (the
# clone may be a 0700 home).
cp "$LR_SRCDIR/tests/valgrind.supp" "$T/valgrind.supp" && chmod a+r "$T/valgrind.supp" ||
	lr_fail "cannot copy tests/valgrind.supp"
supp=(--suppressions="$T/valgrind.supp")
glib_supp=/usr/share/glib-2.0/valgrind/glib.supp
[ -r "$glib_supp" ] && supp+=(--suppressions="$glib_supp")
memcheck=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --error-exitcode=3 --num-callers=30 "${supp[@]}"
	--log-file="$LRD_DIR/valgrind.log")
# Valgrind cannot run a sanitizer build; there AddressSanitizer and
# LeakSanitizer check the same run themselves (a nonzero exit at SIGTERM).
if grep -q __asan_init "$LRD_DAEMON"; then
	memcheck=()
	: >"$LRD_DIR/valgrind.log"
	lr_log "sanitizer build: the same run under AddressSanitizer instead of valgrind"
fi
lrd_sink_start
export LRD_START_SECONDS=120
lrd_start env G_SLICE=always-malloc G_DEBUG=gc-friendly "${memcheck[@]}" ||
	{ cat "$LRD_LOG" "$LRD_DIR/valgrind.log" >&2; lr_fail "leadrouted did not start under valgrind"; }

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
# Under memcheck the router (a background thread at nice 10) is slow and
# make check runs other tests beside this one: give it time.
lrd_wait_routed 400 || lr_fail "$(lrd_status_count new) leads still new after 400 s"
lrd_alive || { cat "$LRD_DIR/valgrind.log" >&2; lr_fail "leadrouted died under valgrind"; }
lrd_stop 90 || lr_fail "leadrouted under valgrind did not stop on SIGTERM"
if [ "$LRD_EXIT" != 0 ]; then
	cat "$LRD_DIR/valgrind.log" >&2
	lr_fail "valgrind exit $LRD_EXIT (3: memory errors or definite leaks)"
fi
echo "PASS: $want leads under valgrind, no errors, no definite leaks"
