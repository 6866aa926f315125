#!/bin/bash
# flow-broadcast.sh - a broadcast offer through a private Postfix: both reps
# get the lead, the first ACCEPT wins, the other rep is told it was taken,
# and their later ACCEPT changes nothing (a polite refusal).  Then both
# accept at once: exactly one wins.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-broadcast
flow_user anna
flow_user ben
flow_config '{ name = "everyone"; route = { to = ["anna", "ben"]; strategy = "broadcast"; }; }' \
	'accept_within = "1h"; withhold = ["phone"];'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/contact-form.eml

# --- One after the other.
flow_inject "$inquiry" bcast-1@inquiry.test
id=$(flow_lead_id bcast-1@inquiry.test) || exit 1
flow_check "$id" "sorted(lead['assignees']) == ['anna', 'ben'] and lead['status'] == 'offered'"
offer_a=$(flow_wait_mail anna new-lead "$id") || exit 1
offer_b=$(flow_wait_mail ben new-lead "$id") || exit 1
flow_reply "$offer_a" "anna@$FLOW_REPS" "ACCEPT"
flow_wait_lead "$id" "lead['status'] == 'accepted' and lead['assignees'] == ['anna']"
flow_wait_mail anna accepted "$id" >/dev/null || exit 1
taken=$(flow_wait_mail ben taken "$id") || exit 1
python3 "$FLOW_PY" text "$taken" | grep -q 'Anna' || lr_fail "the taken mail does not say who"
python3 "$FLOW_PY" text "$taken" | grep -q '5550 1234' && lr_fail "the taken mail shows the phone"

flow_reply "$offer_b" "ben@$FLOW_REPS" "ACCEPT"
flow_wait_mail ben refused "$id" >/dev/null || exit 1
flow_check "$id" "lead['status'] == 'accepted' and lead['assignees'] == ['anna']"
flow_check "$id" "events.count('accepted') == 1 and events[-1] in ('reply-refused', 'notified')"
flow_check "$id" "[e['actor'] for e in lead['events'] if e['type'] == 'accepted'] == ['anna']"
[ "$(flow_count ben accepted)" = 0 ] || lr_fail "ben was told the lead is his"

# --- Both at once: one wins, the other is told.
flow_inject "$inquiry" bcast-2@inquiry.test
id2=$(flow_lead_id bcast-2@inquiry.test) || exit 1
offer_a=$(flow_wait_mail anna new-lead "$id2") || exit 1
offer_b=$(flow_wait_mail ben new-lead "$id2") || exit 1
flow_reply "$offer_a" "anna@$FLOW_REPS" "ACCEPT" &
pa=$!
flow_reply "$offer_b" "ben@$FLOW_REPS" "ACCEPT" &
pb=$!
wait "$pa" || lr_fail "anna's reply was not sent"
wait "$pb" || lr_fail "ben's reply was not sent"
flow_wait_lead "$id2" "lead['status'] == 'accepted' and 'reply-refused' in events"
winner=$(flow_assignees "$id2")
case $winner in anna) loser=ben ;; ben) loser=anna ;; *) lr_fail "accepted by '$winner'" ;; esac
flow_wait_mail "$winner" accepted "$id2" >/dev/null || exit 1
flow_wait_mail "$loser" taken "$id2" >/dev/null || exit 1
flow_wait_mail "$loser" refused "$id2" >/dev/null || exit 1
flow_check "$id2" "events.count('accepted') == 1 and events.count('reply-refused') == 1"
[ "$(flow_count "$loser" accepted "$id2")" = 0 ] || lr_fail "$loser was told the lead is theirs too"

postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
flow_daemon_stop
lr_log "ok: broadcast, first ACCEPT wins, ben told and refused; race won by $winner alone"
