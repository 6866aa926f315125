#!/bin/bash
# flow-security.sh - forged and stale replies, through a private Postfix.
# Who is trusted: the From address must be a user's, the envelope sender
# (MAIL FROM) must have a domain of that user's addresses, and the token
# must have been made for that user; a null envelope sender is never a
# command.  Mail that fails this is "unverified": it changes nothing, is
# logged (a log line, never an event on the lead it names, so that nobody
# can write on a lead, or learn whether it exists, by naming it) and gets
# one and the same answer, "This reply could not be verified.", only when
# From is a user's address (no backscatter to strangers):
#   1. a reply from an address that is nobody here, with the rep's token
#      (no answer at all);
#   2. a reply from another user, with the rep's token;
#   3. the rep's token with one character changed (in its signature, and
#      in its head, when it names another lead or none);
#   5. a valid token of another lead and user;
#   8. a reply without any token (sent to the From address, as a client
#      that ignores Reply-To does): no lead is made of it;
#   9. From is the rep, the envelope sender a foreign domain;
#  10. the envelope sender is the rep, From a stranger (no answer);
#  11. the null envelope sender <> with From the rep (no answer).
# Verified replies that change nothing are logged on their lead (a
# "reply-refused" event) and answered:
#   4. a stale token: the rep's ACCEPT after their own REJECT re-routed it;
#   6. a replayed ACCEPT after someone else accepted a broadcast lead;
#   7. the same reply delivered twice (same Message-ID): obeyed once.
#  12. From and envelope both the rep: obeyed, and the reply event records
#      both.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-security
flow_user anna
flow_user ben
flow_user carl
flow_mailbox "mallory@$FLOW_REPS"
flow_mailbox mallory@outside.test
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

# sec_unverified WHAT ID BEFORE N [WHO M] - after unverified mail: the
# daemon logged its Nth "reply unverified" line, lead ID has no
# reply-refused event and is still BEFORE; WHO got their Mth refusal, with
# the one text, or (no WHO) the strangers got nothing.
sec_unverified() {
	local what=$1 id=$2 before=$3 n=$4 who=${5:-} nref=${6:-}
	lr_wait_until 30 sh -c "[ \$(grep -c 'reply unverified' '$FLOW_LOG.new') -ge $n ]" ||
		lr_fail "$what: no log line"
	if [ -n "$who" ]; then
		flow_wait_mail "$who" refused "" "$nref" >/dev/null || lr_fail "$what: no answer to $who"
		python3 "$FLOW_PY" text "$(flow_mails "$who" refused | tail -1)" |
			grep -q 'This reply could not be verified' || lr_fail "$what: another refusal text"
	fi
	postfix_wait_delivered 30 || lr_fail "$what: mail left in the Postfix queue"
	for stranger in "mallory@$FLOW_REPS" mallory@outside.test; do
		[ "$(flow_count "$stranger")" = 0 ] || lr_fail "$what: $stranger got mail (backscatter)"
	done
	flow_check "$id" "'reply-refused' not in events"
	[ "$(sec_state "$id")" = "$before" ] ||
		lr_fail "$what: lead $id is now '$(sec_state "$id")', was '$before'"
	lr_log "ok: $what"
}

# sec_send NOTIF FROM ENVELOPE BODY [flow.py reply options] - a reply whose
# envelope sender (MAIL FROM) is not its From.
sec_send() {
	local notif=$1 from=$2 envelope=$3 body=$4 msg to
	shift 4
	msg=$(mktemp "$LR_TMP/reply.XXXXXX")
	python3 "$FLOW_PY" reply "$notif" --from "$from" --body "$body" "$@" >"$msg" ||
		lr_fail "cannot write a reply to $notif"
	to=$(python3 "$FLOW_PY" header "$msg" To)
	python3 "$FLOW_PY" send "$PF_PORT" "$envelope" "$to" "$msg" ||
		lr_fail "postfix refused the reply to $to"
}

flow_inject "$inquiry" sec-1@inquiry.test
id=$(flow_lead_id sec-1@inquiry.test) || exit 1
offer=$(flow_wait_mail anna new-lead "$id") || exit 1
before=$(sec_state "$id")
[ "$before" = "offered anna" ] || lr_fail "lead $id starts as '$before'"

# 1. Someone who is nobody here replies with anna's token.
flow_reply "$offer" "mallory@$FLOW_REPS" "ACCEPT"
sec_unverified "1 stranger" "$id" "$before" 1

# 2. Another user replies with anna's token.
flow_reply "$offer" "carl@$FLOW_REPS" "ACCEPT"
sec_unverified "2 another user" "$id" "$before" 2 carl 1

# 3. anna's token with one character of its signature changed (the lead
#    it names exists), then one of its head (another lead or none): the
#    same answer, and no event on any lead.
to=$(python3 "$FLOW_PY" header "$offer" Reply-To | sed 's/.*<//; s/>.*//')
token=${to#lead+}
token=${token%@*}
[ ${#token} -ge 16 ] || lr_fail "short token '$token'"
mid=$((${#token} - 6))
c=${token:mid:1}
[ "$c" = q ] && swap=r || swap=q
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT" --to "lead+${token:0:mid}$swap${token:mid+1}@$FLOW_DOMAIN"
sec_unverified "3 token changed" "$id" "$before" 3 anna 1
[ "${token:0:1}" = 9 ] && swap=8 || swap=9
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT" --to "lead+$swap${token:1}@$FLOW_DOMAIN"
sec_unverified "3b token head changed" "$id" "$before" 4 anna 2

# 9. From is anna, the envelope sender a foreign domain: anna's valid token.
sec_send "$offer" "anna@$FLOW_REPS" mallory@outside.test "ACCEPT"
sec_unverified "9 From claims a user, foreign envelope" "$id" "$before" 5 anna 3
# 10. The envelope sender is anna, From a stranger.
sec_send "$offer" mallory@outside.test "anna@$FLOW_REPS" "ACCEPT"
sec_unverified "10 envelope is the user, From differs" "$id" "$before" 6
# 11. The null envelope sender: never a command.
sec_send "$offer" "anna@$FLOW_REPS" "" "ACCEPT"
sec_unverified "11 null envelope sender" "$id" "$before" 7
[ "$(flow_count anna refused)" = 3 ] || lr_fail "11: anna was answered for <>"

# 4. anna rejects (a real reply: the lead goes to the admin), then accepts
#    with the same, now stale, token.
flow_reply "$offer" "anna@$FLOW_REPS" "REJECT not my region"
flow_wait_lead "$id" "lead['assignees'] != ['anna']"
before=$(sec_state "$id")
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT"
sec_expect "4 stale token" "$id" "$before" 1 anna 4

# 5. anna uses ben's token of another lead.
flow_inject "$inquiry" sec-2@inquiry.test ben
id2=$(flow_lead_id sec-2@inquiry.test) || exit 1
offer_b=$(flow_wait_mail ben new-lead "$id2") || exit 1
before2=$(sec_state "$id2")
flow_reply "$offer_b" "anna@$FLOW_REPS" "ACCEPT"
sec_unverified "5 another's token" "$id2" "$before2" 8 anna 5

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
sec_expect "6 replay after a broadcast was taken" "$id3" "$before3" 1 anna 6

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

# 12. From and envelope both ben: obeyed; the reply event records both.
grep -q "event=reply actor=workflow reject from=<ben@$FLOW_REPS> envelope=<ben@$FLOW_REPS> user=ben" \
	"$FLOW_LOG.new" || lr_fail "12: the reply event does not record From and envelope"
lr_log "ok: 12 matching From and envelope"

# 8. No token at all: anna's client replies to From (desk@leads.test).
leads_before=$(flow_cli list -c "$FLOW_CONF" --json | python3 -c 'import json,sys
print(sum(1 for l in json.load(sys.stdin) if l["status"] != "not-lead"))')
nref=$(flow_count anna refused)
flow_reply "$offer_b" "anna@$FLOW_REPS" "ACCEPT" --to "desk@$FLOW_DOMAIN"
flow_wait_mail anna refused "" $((nref + 1)) >/dev/null || lr_fail "8 no token: no polite answer"
python3 "$FLOW_PY" text "$(flow_mails anna refused | tail -1)" |
	grep -q 'This reply could not be verified' || lr_fail "8 no token: another refusal text"
leads_after=$(flow_cli list -c "$FLOW_CONF" --json | python3 -c 'import json,sys
print(sum(1 for l in json.load(sys.stdin) if l["status"] != "not-lead"))')
[ "$leads_after" = "$leads_before" ] || lr_fail "8 no token: the reply became a lead"
[ "$(sec_state "$id2")" = "$before2" ] || lr_fail "8 no token: lead $id2 changed"
lr_log "ok: 8 no token"

postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
flow_daemon_stop
