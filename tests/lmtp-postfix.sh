#!/bin/bash
# lmtp-postfix.sh - a real Postfix delivers to the LMTP server.
#
# A private Postfix (tests/lib/postfix.sh) routes leads.test to
# lmtp:unix:SOCKET and inet-leads.test to lmtp:inet:127.0.0.1:PORT, both
# served by tests/lmtp-echo-server (max message size 20,000 bytes).  Checks:
#   - 20 messages with 3 recipients each arrive as 20 transactions, every
#     recipient logged status=sent, over the unix socket; 5 more over TCP;
#   - a message over the size limit bounces (SIZE / 552 5.3.4);
#   - a store that fails temporarily (tempfail@) is deferred with 4.3.0;
#   - the server counted exactly the messages sent, each Message-ID once.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"

lr_need_cmd python3 postconf postqueue "$SMTP_SOURCE"
[ "$(id -u)" = 0 ] || lr_skip "needs root to start postfix"
server=$LR_BUILDDIR/tests/lmtp-echo-server
[ -x "$server" ] || lr_fail "$server not built"
lr_tmpdir lmtp-postfix
T=$LR_TMP
port=$(lr_free_port) || lr_fail "no free port"

"$server" --max-size 20000 --timeout 30 "unix:$T/lmtp" "inet:127.0.0.1:$port" \
	>"$T/out" 2>"$T/log" &
pid=$!
lr_on_exit "lr_kill_pid $pid 5"
lr_wait_until 10 grep -qx ready "$T/out" || lr_fail "server did not start: $(cat "$T/log")"

postfix_init "$T/postfix"
postfix_route leads.test "lmtp:unix:$T/lmtp"
postfix_route inet-leads.test "lmtp:inet:127.0.0.1:$port"
postfix_start

postfix_send client@example.com leads@leads.test -m 20 -r 3 -s 4 -S unix ||
	lr_fail "smtp to leads.test"
postfix_send client@example.com leads@inet-leads.test -m 5 -S inet ||
	lr_fail "smtp to inet-leads.test"
postfix_send client@example.com big@leads.test -l 40000 -S big || lr_fail "smtp big"
postfix_send client@example.com tempfail@leads.test -S temp || lr_fail "smtp tempfail"

# sent_count - recipients Postfix delivered over LMTP.
sent_count() {
	grep -c 'relay=.*status=sent' "$PF_LOG" 2>/dev/null
}
# sent_at_least N - evaluated at each poll, not once.
sent_at_least() { [ "$(sent_count)" -ge "$1" ]; }
lr_wait_until 60 sent_at_least 65 ||
	lr_fail "$(sent_count) recipients sent, want 65: $(tail -5 "$PF_LOG")"
lr_wait_until 30 grep -q 'to=<big@leads.test>.*status=bounced' "$PF_LOG" ||
	lr_fail "the big message did not bounce"
lr_wait_until 30 grep -q 'to=<tempfail@leads.test>.*status=deferred.*4\.3\.0' "$PF_LOG" ||
	lr_fail "the tempfail message was not deferred with 4.3.0"
grep 'to=<big@leads.test>' "$PF_LOG" | grep -qi 'size' ||
	lr_fail "the bounce does not say why: $(grep 'to=<big@' "$PF_LOG")"
postfix_stop

kill -TERM "$pid"
lr_wait_until 30 grep -q '^stored=' "$T/out" || lr_fail "server did not stop"
result=$(grep '^stored=' "$T/out")
lr_log "$result"
[ "$(sent_count)" = 65 ] || lr_fail "$(sent_count) recipients sent, want 65"
case $result in
"stored=25 distinct=25 refused=0 deferred="[1-9]*) ;;
*) lr_fail "server says '$result', want 25 stored, 25 distinct, some deferred" ;;
esac
transactions=$(grep -c 'nrcpt=3 .*status=stored' "$T/log")
[ "$transactions" = 20 ] || lr_fail "$transactions transactions with 3 recipients, want 20"
echo "PASS: $result"
