#!/bin/bash
# intake-postfix.sh - a real Postfix delivers leads into the real leadrouted.
#
# A private Postfix (tests/lib/postfix.sh) takes mail from smtp-source on its
# smtpd and routes
#   leads.test        -> lmtp:unix: (a non-chroot lmtp service of its own,
#                        as docs/postfix.md says) to leadrouted's socket,
#   inet-leads.test   -> lmtp:inet:127.0.0.1:PORT to leadrouted,
#   pipe-leads.test   -> pipe(8) running src/leadroute-deliver (user=nobody).
# Permissions: pipe(8) refuses to run as root, and the store's files are
# created 0660 less the umask by whoever makes them first, so the daemon and
# the deliverer must be one account: both run as nobody here, which owns
# server.home (docs/postfix.md: user= must own server.home).  The CLI reads
# the store as nobody too (as root it could leave root-owned region files).
# Checks: 300 + 200 + 100 distinct messages arrive as 600 leads; 10 messages
# with 3 recipients each over LMTP are 10 leads; one Message-ID sent 20
# times down each of the three paths is one lead; Postfix logged every
# recipient status=sent (nothing deferred or bounced); no key twice.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

lr_need_cmd python3 postconf postqueue setpriv "$SMTP_SOURCE"
[ "$(id -u)" = 0 ] || lr_skip "needs root to start postfix"
lr_tmpdir intake-postfix
T=$LR_TMP
LRD_USER=nobody
lrd_init "$T/lr" "max_sessions = 64;"
lrd_sink_start
lrd_start || { cat "$LRD_LOG" >&2; lr_fail "leadrouted (as nobody) did not start (exit ${LRD_EXIT:-none})"; }

postfix_init "$T/postfix"
postfix_service "leadlmtp unix - - n - - lmtp -o syslog_name=postfix/leadlmtp"
postfix_route leads.test "leadlmtp:unix:$LRD_SOCKET"
postfix_route inet-leads.test "lmtp:inet:127.0.0.1:$LRD_PORT"
postfix_add_pipe leadroute nobody "$LRD_DELIVER -c $LRD_CONF -r \${recipient} -s \${sender}"
postfix_route pipe-leads.test leadroute:
postfix_set "leadlmtp_destination_concurrency_limit = 16"
postfix_start

# check_leads WANT WHAT - exactly WANT leads, no message_key twice.
check_leads() {
	local got dups
	got=$(lrd_count) || exit 1
	[ "$got" = "$1" ] || lr_fail "$2: $got leads stored, want $1"
	dups=$(lrd_dup_keys) || exit 1
	[ -z "$dups" ] || lr_fail "$2: keys stored twice: $(echo "$dups" | head -5)"
	lr_log "$2: $got leads, no key twice"
}

# sent_to DOMAIN - recipients at DOMAIN that Postfix logged status=sent.
sent_to() {
	grep -c "to=<[^>]*@$1>.*status=sent" "$PF_LOG"
}

t0=$SECONDS
postfix_send form@example.org lead@leads.test -m 300 -s 8 -l 1500 -S unix ||
	lr_fail "smtp-source to leads.test"
postfix_send form@example.org lead@inet-leads.test -m 200 -s 8 -S inet ||
	lr_fail "smtp-source to inet-leads.test"
postfix_send form@example.org lead+web@pipe-leads.test -m 100 -s 4 -S pipe ||
	lr_fail "smtp-source to pipe-leads.test"
postfix_wait_delivered 180 || lr_fail "mail still queued after 180 s"
lr_log "600 messages through Postfix in $((SECONDS - t0)) s"
[ "$(sent_to leads.test)" = 300 ] || lr_fail "lmtp:unix: $(sent_to leads.test) sent, want 300"
[ "$(sent_to inet-leads.test)" = 200 ] || lr_fail "lmtp:inet: $(sent_to inet-leads.test) sent, want 200"
[ "$(sent_to pipe-leads.test)" = 100 ] || lr_fail "pipe: $(sent_to pipe-leads.test) sent, want 100"
grep -q 'relay=leadroute.*status=sent.*lead [0-9]* stored' "$PF_LOG" ||
	lr_fail "no 'lead N stored' from leadroute-deliver in the maillog"
check_leads 600 "600 messages over lmtp:unix, lmtp:inet and pipe(8)"

# Several recipients in one LMTP transaction: one lead each message.
postfix_send form@example.org rcpt@leads.test -m 10 -r 3 -S multi || lr_fail "smtp-source -r 3"
postfix_wait_delivered 60 || lr_fail "multi-recipient mail still queued"
[ "$(sent_to leads.test)" = 330 ] || lr_fail "lmtp:unix: $(sent_to leads.test) sent, want 330"
check_leads 610 "10 messages with 3 recipients each"

# One Message-ID 20 times down each path: one lead.
printf 'From: Form <form@example.org>\nTo: lead@leads.test\nSubject: same everywhere\nMessage-ID: <postfix-same@e2e.test>\n\nName: Same Everywhere\nCompany: Copy Ltd\n' \
	>"$T/same.eml"
for to in lead@leads.test lead@inet-leads.test lead@pipe-leads.test; do
	postfix_send form@example.org "$to" -m 20 -s 4 -F "$T/same.eml" || lr_fail "smtp-source -F to $to"
done
postfix_wait_delivered 60 || lr_fail "copies still queued"
[ "$(sent_to pipe-leads.test)" = 120 ] || lr_fail "pipe: $(sent_to pipe-leads.test) sent, want 120"
grep -q 'relay=leadroute.*status=sent.*already stored' "$PF_LOG" ||
	lr_fail "leadroute-deliver never said 'already stored'"
check_leads 611 "one Message-ID 60 times over three paths"
if grep -E 'status=(deferred|bounced)' "$PF_LOG" | grep -v 'relay=none' >&2; then
	lr_fail "Postfix deferred or bounced some of it"
fi

lrd_wait_routed 120 || lr_fail "$(lrd_status_count new) leads still new after 120 s"
postfix_stop
lrd_stop 30 || lr_fail "leadrouted did not stop on SIGTERM"
[ "$LRD_EXIT" = 0 ] || { tail -20 "$LRD_LOG" >&2; lr_fail "leadrouted exited $LRD_EXIT on SIGTERM"; }
echo "PASS: 611 leads from 690 deliveries through Postfix (lmtp:unix, lmtp:inet, pipe)"
