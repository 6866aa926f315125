#!/bin/bash
# flow-relay.sh - the relay is down, then up: notifications wait in the
# outbox (across a restart of leadrouted, and a SIGKILL), and once the
# relay listens each one is delivered exactly once.
#
# server.smtp points at a second smtpd of the private Postfix that is not
# in master.cf at first; it is added, and master re-reads master.cf on
# SIGHUP.  The sender's back-off after a failed try is 1 minute (mailer/
# sender.c) and the next try is stored with the message, so this test takes
# about 70 s.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-relay
flow_user anna
RELAY_PORT=$(lr_free_port) || lr_fail "no free port"
FLOW_SMTP=smtp://127.0.0.1:$RELAY_PORT
flow_config '{ name = "all"; route = "anna"; }' 'accept_within = "1h";' 'retry_first = 2; retry_max = 4;'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/html-form.eml

# Three leads while the relay is down: routed and offered, nothing sent.
for n in 1 2 3; do
	flow_inject "$inquiry" "relay-$n@inquiry.test"
done
ids=
for n in 1 2 3; do
	ids="$ids $(flow_lead_id "relay-$n@inquiry.test")" || exit 1
done
lr_wait_until 20 grep -q 'status=deferred' "$FLOW_LOG.new" ||
	lr_fail "leadrouted did not defer the notifications"
for id in $ids; do
	flow_check "$id" "lead['status'] == 'offered' and 'notified' in events"
done

# A clean restart, then a kill: the outbox survives both.
flow_daemon_stop
flow_daemon_start
kill -KILL "$FLOW_PID"
wait "$FLOW_PID" 2>/dev/null
cat "$FLOW_LOG.new" >>"$FLOW_LOG"
flow_daemon_start
[ "$(flow_count anna)" = 0 ] || lr_fail "anna got mail while the relay was down"

# The relay comes up.
postfix_service "127.0.0.1:$RELAY_PORT inet n - n - - smtpd"
kill -HUP "$PF_MASTER_PID"
lr_wait_tcp 127.0.0.1 "$RELAY_PORT" 15 || lr_fail "the relay did not come up"
up=$SECONDS
lr_wait_until 100 flow_has anna new-lead "" 3 ||
	lr_fail "anna has $(flow_count anna new-lead) of 3 offers $((SECONDS - up)) s after the relay came up"
lr_log "the offers arrived $((SECONDS - up)) s after the relay came up"
sleep 3
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
[ "$(flow_count anna)" = 3 ] || lr_fail "anna has $(flow_count anna) mails, want 3 (once each)"
for id in $ids; do
	[ "$(flow_count anna new-lead "$id")" = 1 ] || lr_fail "lead $id: $(flow_count anna new-lead "$id") offers"
done
for f in $(flow_mails anna); do python3 "$FLOW_PY" header "$f" Message-ID; done |
	sort | uniq -d | grep -q . && lr_fail "a Message-ID arrived twice"
[ "$(grep -c 'status=sent' "$FLOW_LOG.new")" = 3 ] || lr_fail "leadrouted sent other than 3"

# The offers still work: ACCEPT one of them.
offer=$(flow_mails anna new-lead | head -1)
id=$(flow_lead_of "$offer")
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT"
flow_wait_lead "$id" "lead['status'] == 'accepted'"
flow_daemon_stop
lr_log "ok: 3 offers held through a restart and a kill, delivered once each"
