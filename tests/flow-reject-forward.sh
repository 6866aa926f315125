#!/bin/bash
# flow-reject-forward.sh - replies that move a lead on, through a private
# Postfix and leadrouted:
#   - REJECT <reason> by the first rep of a round-robin pair: the lead goes
#     to the other rep at once, the rejecter gets a confirmation; the second
#     REJECT (max_rejections = 2) escalates to the reps' manager;
#   - FORWARD to a user outside the forwarder's scope: refused politely,
#     nothing changes; FORWARD <user> <note> within it (may_route): the
#     colleague gets the offer with the note, and can ACCEPT it.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-reject-forward
flow_user erik 'role = "manager"; manages = ["anna", "ben"];'
flow_user anna 'may_route = ["ben"];'
flow_user ben
flow_user carl
flow_config '{ name = "forwards"; when = "source == '"'fwd'"'"; route = "anna"; },
	{ name = "reps"; route = { to = ["anna", "ben"]; strategy = "round-robin"; }; }' \
	'accept_within = "1h"; max_rejections = 2;'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/contact-form.eml

# --- REJECT: the other rep gets it; the second REJECT escalates.
flow_inject "$inquiry" reject-1@inquiry.test
id=$(flow_lead_id reject-1@inquiry.test) || exit 1
first=$(flow_assignees "$id")
case $first in anna) second=ben ;; ben) second=anna ;; *) lr_fail "offered to '$first'" ;; esac
offer=$(flow_wait_mail "$first" new-lead "$id") || exit 1
flow_reply "$offer" "$first@$FLOW_REPS" "REJECT wrong region, not mine"
flow_wait_lead "$id" "lead['assignees'] == ['$second'] and lead['status'] == 'offered'"
offer2=$(flow_wait_mail "$second" new-lead "$id") || exit 1
confirm=$(flow_wait_mail "$first" rejected "$id") || exit 1
python3 "$FLOW_PY" text "$confirm" | grep -q 'wrong region' ||
	lr_fail "the rejection confirmation does not quote the reason"
flow_check "$id" "[(e['actor'], e['detail']) for e in lead['events'] if e['type'] == 'rejected']
	== [('$first', 'wrong region, not mine')]"
flow_check "$id" "re.search('rejected .*routed .*notified', ' '.join(events))"
[ "$(flow_count "$first" new-lead "$id")" = 1 ] || lr_fail "$first was offered the lead again"

flow_reply "$offer2" "$second@$FLOW_REPS" "REJECT too busy this week"
flow_wait_lead "$id" "lead['assignees'] == ['erik']"
flow_wait_mail erik escalation "$id" >/dev/null || exit 1
flow_check "$id" "events.count('rejected') == 2 and 'escalated' in events"
flow_check "$id" "lead['status'] == 'offered'"

# --- FORWARD outside the scope: refused, politely; nothing changes.
flow_inject "$inquiry" forward-1@inquiry.test fwd
fid=$(flow_lead_id forward-1@inquiry.test) || exit 1
[ "$(flow_assignees "$fid")" = anna ] || lr_fail "the fwd lead went to $(flow_assignees "$fid")"
offer=$(flow_wait_mail anna new-lead "$fid") || exit 1
flow_reply "$offer" "anna@$FLOW_REPS" "FORWARD carl he knows them"
refused=$(flow_wait_mail anna refused "$fid") || exit 1
python3 "$FLOW_PY" text "$refused" | grep -q 'carl' ||
	lr_fail "the refusal does not say whom: $(python3 "$FLOW_PY" text "$refused")"
flow_check "$fid" "lead['assignees'] == ['anna'] and lead['status'] == 'offered'"
flow_check "$fid" "'forward-refused' in events and 'forwarded' not in events"
[ "$(flow_count carl)" = 0 ] || lr_fail "carl got mail about a lead he may not have"

# --- FORWARD within the scope: ben gets the offer with the note.
flow_reply "$offer" "anna@$FLOW_REPS" "FORWARD ben call them before Friday"
flow_wait_lead "$fid" "lead['assignees'] == ['ben']"
offer_ben=$(flow_wait_mail ben new-lead "$fid") || exit 1
python3 "$FLOW_PY" text "$offer_ben" | grep -q 'call them before Friday' ||
	lr_fail "ben's offer lacks the note"
flow_wait_mail anna forwarded "$fid" >/dev/null || exit 1
flow_check "$fid" "[e['detail'] for e in lead['events'] if e['type'] == 'forwarded']
	== ['to=ben note=call them before Friday']"
flow_reply "$offer_ben" "ben@$FLOW_REPS" "Accept"
flow_wait_lead "$fid" "lead['status'] == 'accepted' and lead['assignees'] == ['ben']"
flow_wait_mail ben accepted "$fid" >/dev/null || exit 1

postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
flow_daemon_stop
lr_log "ok: reject -> $second -> escalation to erik; forward refused to carl, done to ben"
