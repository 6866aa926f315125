#!/bin/bash
# flow-accept.sh - one inquiry from Postfix to a rep and back: the inquiry
# reaches leadrouted over LMTP through a private Postfix, the notification
# reaches the rep's Maildir through the same Postfix, the rep replies ACCEPT
# the way a mail client does (to the Reply-To, "Re:", threading headers,
# the notification quoted below), and the lead is accepted.  Withheld
# fields: the phone is masked in the offer and shown in full once accepted.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-accept
flow_user anna
flow_config '{ name = "all"; route = "anna"; }' \
	'accept_within = "1h"; remind_after = "30m"; withhold = ["phone"];'
flow_start

inquiry=$(lr_corpus inquiries) || exit 1
inquiry=$inquiry/v01-contact-form.eml
phone=$(sed -n 's/^Phone: *//p' "$inquiry" | tr -d '\r')
digits=$(tr -cd '0-9' <<<"$phone")
[ ${#digits} -ge 8 ] || lr_fail "no phone number in $inquiry"
flow_inject "$inquiry" flow-accept-1@inquiry.test

# The offer: to anna, with a reply address on the reply domain, phone masked.
offer=$(flow_wait_mail anna new-lead) || exit 1
id=$(flow_lead_of "$offer")
[ -n "$id" ] || lr_fail "the offer names no lead"
reply_to=$(python3 "$FLOW_PY" header "$offer" Reply-To)
[[ $reply_to == *"<lead+"*"@$FLOW_DOMAIN>" ]] || lr_fail "offer Reply-To: $reply_to"
text=$(python3 "$FLOW_PY" text "$offer")
grep -q 'ACCEPT' <<<"$text" || lr_fail "the offer does not list the commands"
tr -cd '0-9' <<<"$text" | grep -qF "$digits" &&
	lr_fail "the offer shows the withheld phone $phone"
grep -qi 'phone' <<<"$text" || lr_fail "the offer does not mention the phone at all"
grep -q 'Shown once you accept' <<<"$text" || lr_fail "the offer does not say what is withheld"
flow_check "$id" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]'

# The rep answers ACCEPT above the quoted offer (which lists every command).
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT" --name "Anna Rep"
flow_wait_lead "$id" 'lead["status"] == "accepted"'
accepted=$(flow_wait_mail anna accepted "$id") || exit 1
flow_check "$id" 'lead["assignees"] == ["anna"]'
flow_check "$id" 're.search("parsed.*routed.*notified.*accepted.*notified", " ".join(events))'
flow_check "$id" '[e["actor"] for e in lead["events"] if e["type"] == "accepted"] == ["anna"]'
flow_check "$id" 'all(a["at"] <= b["at"] for a, b in zip(lead["events"], lead["events"][1:]))'

# The accepted mail shows the phone in full and threads under the offer.
text=$(python3 "$FLOW_PY" text "$accepted")
tr -cd '0-9' <<<"$text" | grep -qF "$digits" ||
	lr_fail "the accepted mail does not show the phone $phone: $text"
grep -q 'Shown once you accept' <<<"$text" && lr_fail "the accepted mail still withholds"
refs=$(python3 "$FLOW_PY" header "$accepted" References)
offer_id=$(python3 "$FLOW_PY" header "$offer" Message-ID)
[[ $refs == *"$offer_id"* ]] || lr_fail "accepted mail References '$refs' lack the offer $offer_id"

# An inquiry that mentions a lead+ address in its text and answers another
# system's <lead-N@...> message is still an inquiry, not a reply.
sed -e 's/^Subject: .*/Subject: Re: quote for lead+sales@partner.example/' \
	-e '1i In-Reply-To: <lead-7@crm.partner.example>' \
	-e '$a Please also copy lead+sales@partner.example and lead+7@leads.example.' \
	"$LR_SRCDIR/examples/inquiries/contact-form.eml" >"$LR_TMP/mentions.eml"
flow_inject "$LR_TMP/mentions.eml" flow-accept-2@inquiry.test
id2=$(flow_lead_id flow-accept-2@inquiry.test) || exit 1
flow_check "$id2" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]'
flow_wait_mail anna new-lead "$id2" >/dev/null || exit 1

# Exactly one offer and one acceptance; nothing refused, nothing queued.
[ "$(flow_count anna new-lead "$id")" = 1 ] || lr_fail "anna got $(flow_count anna new-lead) offers"
[ "$(flow_count anna refused)" = 0 ] || lr_fail "anna's reply was refused"
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
grep -q "leadlmtp.*to=<lead+.*@$FLOW_DOMAIN>.*status=sent" "$PF_LOG" ||
	lr_fail "the reply did not go to leadrouted over LMTP"
flow_daemon_stop
lr_log "ok: lead $id offered (phone masked), accepted by reply, phone shown"
