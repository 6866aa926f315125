#!/bin/bash
# flow-timeout.sh - silence: with accept_within = "3s" and remind_after =
# "1s" the first rep of a pair gets a reminder after a second, and after
# three the lead is taken back ("revoked") and offered to the other rep
# (whose own rule file gives them an hour: a user's workflow overrides the
# global one); once that rep accepts, the old timers change nothing.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-timeout
flow_user anna
cat >"$LR_TMP/lr/ben.conf" <<EOF2
workflow: { accept_within = "1h"; remind_after = "30m"; };
EOF2
flow_user ben "rules = \"$LR_TMP/lr/ben.conf\";"
flow_config '{ name = "reps"; route = ["anna", "ben"]; }' \
	'accept_within = "3s"; remind_after = "1s"; max_rejections = 3;'
flow_start

flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" timeout-1@inquiry.test
id=$(flow_lead_id timeout-1@inquiry.test) || exit 1
# The first offer, read from its "routed" event: under load the 3 s deadline
# may already have moved the lead on by the time it is shown.
json=$(flow_show "$id") || exit 1
first=$(python3 "$FLOW_PY" lead "$json" \
	"re.search(r'assignees=(\\S+)', [e for e in lead['events'] if e['type'] == 'routed'][0]['detail']).group(1)") ||
	lr_fail "no routed event with assignees"
second=ben
[ "$first" = anna ] || lr_fail "a fresh rotation offered the lead to '$first', not anna"
flow_wait_mail "$first" new-lead "$id" >/dev/null || exit 1

# The reminder, then the deadline: revoked, and the other rep's offer.
reminder=$(flow_wait_mail "$first" reminder "$id" 1 15) || exit 1
python3 "$FLOW_PY" text "$reminder" | grep -q ACCEPT || lr_fail "the reminder lists no commands"
flow_wait_mail "$first" revoked "$id" 1 15 >/dev/null || exit 1
offer2=$(flow_wait_mail "$second" new-lead "$id" 1 15) || exit 1
flow_check "$id" "lead['assignees'] == ['$second'] and lead['status'] == 'offered'"
flow_check "$id" "re.search('routed notified (notified )?reminded .*timeout .*routed notified',
	' '.join(events))"

# When: reminder >= 1 s and timeout >= 3 s after the offer (times in
# whole seconds), both well before 15 s.
flow_check "$id" "0 <= since('reminded') <= 12 and 2 <= since('timeout') <= 14"
flow_check "$id" "since('timeout') - since('reminded') >= 1"

# The second rep accepts; the old timers of their offer do nothing.
flow_reply "$offer2" "$second@$FLOW_REPS" "ACCEPT"
flow_wait_lead "$id" "lead['status'] == 'accepted' and lead['assignees'] == ['$second']"
[ "$(flow_count "$second" reminder "$id")" = 0 ] || lr_fail "$second was reminded within 1 s"
sleep 4
flow_check "$id" "lead['status'] == 'accepted' and lead['assignees'] == ['$second']"
flow_check "$id" "events.count('timeout') == 1"
[ "$(flow_count "$second" revoked "$id")" = 0 ] || lr_fail "$second was revoked after ACCEPT"
[ "$(flow_count "$first" new-lead "$id")" = 1 ] || lr_fail "$first was offered the lead again"
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
flow_daemon_stop
lr_log "ok: reminder, timeout after 3 s, re-routed to $second, accepted"
