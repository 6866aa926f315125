#!/bin/bash
# flow-security.sh - forged and stale replies, through a private Postfix.
# Each case changes nothing (status and assignees as before, checked with
# `leadroute show --json`), is logged (a "reply-refused" event on the lead
# the reply names, when it names one), and gets a polite answer (the
# "refused" mail in the sender's Maildir):
#   1. a reply from an address that is nobody here, with the rep's token;
#   2. a reply from another user, with the rep's token;
#   3. the rep's token with one character changed (in its signature, and
#      in its head, when it names no lead at all);
#   4. a stale token: the rep's ACCEPT after their own REJECT re-routed it;
#   5. a valid token of another lead and user;
#   6. a replayed ACCEPT after someone else accepted a broadcast lead;
#   7. the same reply delivered twice (same Message-ID): obeyed once;
#   8. a reply without any token (sent to the From address, as a client
#      that ignores Reply-To does): no lead is made of it.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-security
flow_user anna
flow_user ben
flow_user carl
flow_mailbox "mallory@$FLOW_REPS"
flow_config '{ name = "bcast"; when = "source == '"'b'"'";
		route = { to = ["anna", "ben"]; strategy = "broadcast"; }; },
	{ name = "ben"; when = "source == '"'ben'"'"; route = "ben"; },
	{ name = "anna"; route = "anna"; }' \
	'accept_within = "1h"; max_rejections = 3;'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/contact-form.eml

# sec_state - the lead's status and assignees, one line.
sec_state() {
	local json
	json=$(flow_show "$1") || exit 1
	python3 "$FLOW_PY" lead "$json" '"%s %s" % (lead["status"], ",".join(lead["assignees"]))'
}

# sec_expect WHAT ID BEFORE N WHO M - after a forged reply: WHO got their
# Mth refusal, lead ID has N reply-refused events and is still BEFORE.
sec_expect() {
	local what=$1 id=$2 before=$3 refusals=$4 who=$5 nref=$6
	flow_wait_mail "$who" refused "" "$nref" >/dev/null || lr_fail "$what: no polite answer to $who"
	flow_wait_lead "$id" "events.count('reply-refused') == $refusals" 10 ||
		lr_fail "$what: not logged"
	[ "$(sec_state "$id")" = "$before" ] ||
		lr_fail "$what: lead $id is now '$(sec_state "$id")', was '$before'"
	lr_log "ok: $what"
}

flow_inject "$inquiry" sec-1@inquiry.test
id=$(flow_lead_id sec-1@inquiry.test) || exit 1
offer=$(flow_wait_mail anna new-lead "$id") || exit 1
before=$(sec_state "$id")
[ "$before" = "offered anna" ] || lr_fail "lead $id starts as '$before'"

# 1. Someone who is nobody here replies with anna's token.
flow_reply "$offer" "mallory@$FLOW_REPS" "ACCEPT"
sec_expect "1 stranger" "$id" "$before" 1 "mallory@$FLOW_REPS" 1
python3 "$FLOW_PY" text "$(flow_mails "mallory@$FLOW_REPS" refused | tail -1)" |
	grep -qE 'Phone|5550|Weiß|Pumps' && lr_fail "the refusal tells a stranger about the lead"

# 2. Another user replies with anna's token.
flow_reply "$offer" "carl@$FLOW_REPS" "ACCEPT"
sec_expect "2 another user" "$id" "$before" 2 carl 1

# 3. anna's token with one character of its signature changed (the lead
#    and assignment it names still read), then one of its head (it names
#    nothing: no lead to log on, but still a polite answer).
to=$(python3 "$FLOW_PY" header "$offer" Reply-To | sed 's/.*<//; s/>.*//')
token=${to#lead+}
token=${token%@*}
[ ${#token} -ge 16 ] || lr_fail "short token '$token'"
mid=$((${#token} - 6))
c=${token:mid:1}
[ "$c" = q ] && swap=r || swap=q
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT" --to "lead+${token:0:mid}$swap${token:mid+1}@$FLOW_DOMAIN"
sec_expect "3 token changed" "$id" "$before" 3 anna 1
[ "${token:0:1}" = 9 ] && swap=8 || swap=9
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT" --to "lead+$swap${token:1}@$FLOW_DOMAIN"
sec_expect "3b token head changed" "$id" "$before" 3 anna 2

# 4. anna rejects (a real reply: the lead goes to the admin), then accepts
#    with the same, now stale, token.
flow_reply "$offer" "anna@$FLOW_REPS" "REJECT not my region"
flow_wait_lead "$id" "lead['assignees'] != ['anna']"
before=$(sec_state "$id")
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT"
sec_expect "4 stale token" "$id" "$before" 4 anna 3

# 5. anna uses ben's token of another lead.
flow_inject "$inquiry" sec-2@inquiry.test ben
id2=$(flow_lead_id sec-2@inquiry.test) || exit 1
offer_b=$(flow_wait_mail ben new-lead "$id2") || exit 1
before2=$(sec_state "$id2")
flow_reply "$offer_b" "anna@$FLOW_REPS" "ACCEPT"
sec_expect "5 another's token" "$id2" "$before2" 1 anna 4

# 6. A broadcast: ben accepts; anna's ACCEPT afterwards changes nothing.
flow_inject "$inquiry" sec-3@inquiry.test b
id3=$(flow_lead_id sec-3@inquiry.test) || exit 1
offer_a3=$(flow_wait_mail anna new-lead "$id3") || exit 1
offer_b3=$(flow_wait_mail ben new-lead "$id3") || exit 1
flow_reply "$offer_b3" "ben@$FLOW_REPS" "ACCEPT"
flow_wait_lead "$id3" "lead['status'] == 'accepted'"
before3=$(sec_state "$id3")
[ "$before3" = "accepted ben" ] || lr_fail "broadcast lead is '$before3'"
flow_reply "$offer_a3" "anna@$FLOW_REPS" "ACCEPT"
sec_expect "6 replay after a broadcast was taken" "$id3" "$before3" 1 anna 5

# 7. ben's ACCEPT delivered twice with one Message-ID: one lead event.
flow_inject "$inquiry" sec-4@inquiry.test ben
id4=$(flow_lead_id sec-4@inquiry.test) || exit 1
offer4=$(flow_wait_mail ben new-lead "$id4") || exit 1
msg=$LR_TMP/twice.eml
python3 "$FLOW_PY" reply "$offer4" --from "ben@$FLOW_REPS" --body "REJECT not for me" >"$msg"
rcpt=$(python3 "$FLOW_PY" header "$msg" To)
python3 "$FLOW_PY" send "$PF_PORT" "ben@$FLOW_REPS" "$rcpt" "$msg" || lr_fail "send 1"
flow_wait_lead "$id4" "'rejected' in events"
python3 "$FLOW_PY" send "$PF_PORT" "ben@$FLOW_REPS" "$rcpt" "$msg" || lr_fail "send 2"
postfix_wait_delivered 30 || lr_fail "the replay is still queued"
sleep 1
flow_check "$id4" "events.count('rejected') == 1 and events.count('routed') == 2"
lr_log "ok: 7 duplicate delivery"

# 8. No token at all: anna's client replies to From (desk@leads.test).
leads_before=$(flow_cli list -c "$FLOW_CONF" --json | python3 -c 'import json,sys
print(sum(1 for l in json.load(sys.stdin) if l["status"] != "not-lead"))')
nref=$(flow_count anna refused)
flow_reply "$offer_b" "anna@$FLOW_REPS" "ACCEPT" --to "desk@$FLOW_DOMAIN"
flow_wait_mail anna refused "" $((nref + 1)) >/dev/null || lr_fail "8 no token: no polite answer"
leads_after=$(flow_cli list -c "$FLOW_CONF" --json | python3 -c 'import json,sys
print(sum(1 for l in json.load(sys.stdin) if l["status"] != "not-lead"))')
[ "$leads_after" = "$leads_before" ] || lr_fail "8 no token: the reply became a lead"
[ "$(sec_state "$id2")" = "$before2" ] || lr_fail "8 no token: lead $id2 changed"
lr_log "ok: 8 no token"

postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
flow_daemon_stop
