#!/bin/bash
# flow-words.sh - replies in the words people write (issue 14), through a
# private Postfix and leadrouted: "Übernehme ich gern" accepts a lead; "Kann
# ich nicht annehmen" (a negation) changes nothing and gets the help reply,
# which lists the words understood; "Pass to ben" forwards.  Each reply
# mail gives `leadroute parse-reply --json` the command the daemon obeyed.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-words
flow_user anna 'may_route = ["ben"];'
flow_user ben
flow_config '{ name = "all"; route = "anna"; }' 'accept_within = "1h";'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/contact-form.eml

# reply_says NOTIF FROM BODY COMMAND - reply BODY to NOTIF, and check that
# parse-reply --json reads COMMAND in the reply mail sent.
reply_says() {
	local last got
	flow_reply "$1" "$2" "$3"
	last=$(ls -t "$LR_TMP"/reply.* | head -1)
	got=$("$LR_BUILDDIR/src/leadroute" parse-reply --json "$last" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["command"])')
	[ "$got" = "$4" ] || lr_fail "parse-reply reads '$got' in the reply \"$3\", want $4"
}

# --- A German inflection accepts.
flow_inject "$inquiry" words-1@inquiry.test
id=$(flow_lead_id words-1@inquiry.test) || exit 1
offer=$(flow_wait_mail anna new-lead "$id") || exit 1
reply_says "$offer" "anna@$FLOW_REPS" "Übernehme ich gern, rufe heute an" accept
flow_wait_lead "$id" 'lead["status"] == "accepted" and lead["assignees"] == ["anna"]'

# --- A negation is never an accept: help, and the lead is still offered.
flow_inject "$inquiry" words-2@inquiry.test
id2=$(flow_lead_id words-2@inquiry.test) || exit 1
offer2=$(flow_wait_mail anna new-lead "$id2") || exit 1
reply_says "$offer2" "anna@$FLOW_REPS" "Kann ich nicht annehmen" help
help=$(flow_wait_mail anna help) || exit 1
text=$(python3 "$FLOW_PY" text "$help")
for word in "weiterleiten an" "Declined" "I'll take it" "transférer à"; do
	grep -qF "$word" <<<"$text" || lr_fail "the help reply does not list '$word': $text"
done
flow_check "$id2" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]'

# --- A synonym forwards.
reply_says "$offer2" "anna@$FLOW_REPS" "Pass to ben, he knows them" forward
flow_wait_lead "$id2" 'lead["assignees"] == ["ben"]'
flow_wait_mail ben new-lead "$id2" >/dev/null || exit 1
echo "PASS: Übernehme accepted, a negation got help listing the words, Pass to forwarded"
