#!/bin/bash
# deliver-spool.sh - leadroute-deliver with the daemon down and up.
#
# Down: the message is written into server.home/spool/new (exit 0, "2.0.0
# spooled"), the same Message-ID twice gives two files; a message that can
# never be used is still refused (65), not spooled.  The daemon started on
# that home takes the spool in: one lead for the Message-ID, the spool
# empties, the raw message is the delivered bytes.  Up: the deliverer hands
# the message to the daemon's socket and prints the lead id ("2.0.0 lead N
# stored", then "already stored" with the same N), nothing is spooled.
# Killed with SIGKILL (a stale socket file is left): the deliverer spools
# again, and the restarted daemon takes it in.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
lr_need_cmd python3
lr_tmpdir deliver-spool
T=$LR_TMP
lrd_init "$T/lr"
SPOOL=$LRD_HOME/spool/new

# msg ID NAME - a small inquiry with Message-ID <ID@spool.test> on stdout.
msg() {
	printf 'From: %s <%s@example.org>\nTo: leads@leads.test\nSubject: spool %s\nMessage-ID: <%s@spool.test>\n\nName: %s\nPlease call.\n' \
		"$2" "$2" "$1" "$1" "$2"
}

# deliver FILE - run the deliverer on FILE; sets OUT and RC.
deliver() {
	OUT=$(lrd_as_user "$LRD_DELIVER" -c "$LRD_CONF" -r leads@leads.test -s a@example.org <"$1")
	RC=$?
}

# spooled - how many files wait in the spool.
spooled() {
	find "$SPOOL" -maxdepth 1 -type f 2>/dev/null | wc -l
}

# spool_empty - true once the daemon took everything in.
spool_empty() {
	[ "$(spooled)" = 0 ]
}

# 1. The daemon is down (it never ran: no store yet).
msg down-1 Anna >"$T/down-1.eml"
for i in 1 2; do
	deliver "$T/down-1.eml"
	[ "$RC" = 0 ] || lr_fail "daemon down, delivery $i: exit $RC: $OUT"
	case $OUT in "2.0.0 spooled"*) ;; *) lr_fail "daemon down, delivery $i said: $OUT" ;; esac
done
[ "$(spooled)" = 2 ] || lr_fail "$(spooled) files in $SPOOL, want 2"
printf 'no header here at all\n' >"$T/junk.eml"
deliver "$T/junk.eml"
[ "$RC" = 65 ] || lr_fail "junk with the daemon down: exit $RC, want 65: $OUT"
[ "$(spooled)" = 2 ] || lr_fail "junk was spooled"

# 2. The daemon starts and takes the spool in: one lead.
lrd_start || { cat "$LRD_LOG" >&2; lr_fail "leadrouted did not start"; }
lr_wait_until 30 spool_empty || lr_fail "$(spooled) files still spooled 30 s after the start"
[ -z "$(ls -A "$LRD_HOME/spool/bad")" ] || lr_fail "spool/bad: $(ls "$LRD_HOME/spool/bad")"
keys=$(lrd_keys) || exit 1
[ "$keys" = "down-1@spool.test" ] || lr_fail "keys after the take-in: $keys"
grep -q 'spool file=.* status=stored' "$LRD_LOG" || lr_fail "no 'spool ... stored' line in the log"
grep -q 'spool file=.* status=duplicate' "$LRD_LOG" || lr_fail "no 'spool ... duplicate' line in the log"
lrd_cli show --raw 1 >"$T/raw-1" || lr_fail "show --raw 1"
cmp -s "$T/raw-1" "$T/down-1.eml" || lr_fail "the spooled lead's raw message differs from the delivered bytes"

# 3. The daemon is up: straight to it, with the lead id.
msg up-1 Bert >"$T/up-1.eml"
deliver "$T/up-1.eml"
[ "$RC" = 0 ] || lr_fail "daemon up: exit $RC: $OUT"
case $OUT in "2.0.0 lead "*" stored") ;; *) lr_fail "daemon up said: $OUT" ;; esac
id=$(echo "$OUT" | awk '{ print $3 }')
deliver "$T/up-1.eml"
[ "$OUT" = "2.0.0 lead $id already stored" ] || lr_fail "daemon up, again: '$OUT' (exit $RC)"
[ "$(spooled)" = 0 ] || lr_fail "the daemon was up, yet $(spooled) files were spooled"
lrd_cli show --raw "$id" >"$T/raw-up" || lr_fail "show --raw $id"
cmp -s "$T/raw-up" "$T/up-1.eml" || lr_fail "lead $id raw differs from the delivered bytes"
deliver "$T/junk.eml"
[ "$RC" = 65 ] || lr_fail "junk with the daemon up: exit $RC, want 65: $OUT"
n=$(lrd_count) || exit 1
[ "$n" = 2 ] || lr_fail "$n leads, want 2"

# 4. Killed: the socket file stays, nobody answers; spooled, then taken in.
lrd_kill9
[ -S "$LRD_HOME/deliver.sock" ] || lr_fail "no stale socket file after kill -9"
msg down-2 Cleo >"$T/down-2.eml"
deliver "$T/down-2.eml"
[ "$RC" = 0 ] || lr_fail "after kill -9: exit $RC: $OUT"
case $OUT in "2.0.0 spooled"*) ;; *) lr_fail "after kill -9 said: $OUT" ;; esac
lrd_start || { cat "$LRD_LOG" >&2; lr_fail "leadrouted did not restart"; }
lr_wait_until 30 spool_empty || lr_fail "$(spooled) files still spooled after the restart"
keys=$(lrd_keys | tr '\n' ' ') || exit 1
[ "$keys" = "down-1@spool.test down-2@spool.test up-1@spool.test " ] ||
	lr_fail "keys at the end: $keys"
lrd_stop 30 || lr_fail "leadrouted did not stop"
[ "$LRD_EXIT" = 0 ] || lr_fail "leadrouted exited $LRD_EXIT"
[ ! -e "$LRD_HOME/deliver.sock" ] || lr_fail "the socket file is still there after the stop"
echo "ok: leadroute-deliver spools with the daemon down and hands over with it up"
