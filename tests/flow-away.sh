#!/bin/bash
# flow-away.sh - reps who cannot answer, through a private Postfix:
#   - an out-of-office auto-reply (Auto-Submitted: auto-replied, "I am out of
#     the office until DATE") sent to the notification's Reply-To: the rep is
#     marked away until DATE, the lead is re-routed at once, the next leads
#     skip the rep, and the auto-reply gets no answer (no mail loop);
#   - a notification that bounces (the rep's domain is undeliverable): the
#     DSN comes back to lead+TOKEN@ and the lead goes on likewise.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-away
flow_user anna
flow_user ben
# gone@nowhere.test: Postfix accepts it, then its delivery fails for good,
# and a DSN goes back to the notification's envelope sender, lead+TOKEN@.
FLOW_USERS+=('{ id = "gone"; name = "Gone Rep"; email = "gone@nowhere.test"; }')
printf '#!/bin/sh\necho "mailbox unavailable (test)"\nexit 67\n' >"$LR_TMP/nouser"
chmod 0755 "$LR_TMP/nouser"
postfix_add_pipe nouser nobody "$LR_TMP/nouser"
postfix_route nowhere.test nouser:
flow_config '{ name = "bounce"; when = "source == '"'b'"'";
		route = { to = ["gone", "ben"]; strategy = "round-robin"; }; },
	{ name = "reps"; route = { to = ["anna", "ben"]; strategy = "round-robin"; }; }' \
	'accept_within = "1h"; max_rejections = 2;'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/freeform.eml

# --- Out of office.
flow_inject "$inquiry" away-1@inquiry.test
id=$(flow_lead_id away-1@inquiry.test) || exit 1
[ "$(flow_assignees "$id")" = anna ] || lr_fail "a fresh rotation began with $(flow_assignees "$id")"
offer=$(flow_wait_mail anna new-lead "$id") || exit 1
until=$(date -d '+7 days' +%F)
ooo=$LR_TMP/ooo.eml
python3 "$FLOW_PY" reply "$offer" --from "anna@$FLOW_REPS" --name "Anna Rep" \
	--auto-reply "$until" >"$ooo" || lr_fail "cannot write the auto-reply"
grep -q '^Auto-Submitted: auto-replied' "$ooo" || lr_fail "auto-reply lacks Auto-Submitted"
python3 "$FLOW_PY" send "$PF_PORT" "anna@$FLOW_REPS" \
	"$(python3 "$FLOW_PY" header "$ooo" To)" "$ooo" || lr_fail "postfix refused the auto-reply"
flow_wait_lead "$id" "lead['assignees'] == ['ben']"
flow_wait_mail ben new-lead "$id" >/dev/null || exit 1
back=$(date -d "$until 00:00" +%s)
flow_check "$id" "[(e['actor'], e['detail']) for e in lead['events'] if e['type'] == 'unavailable']
	== [('anna', 'auto-reply until $back')]"
flow_check "$id" "'rejected' not in events and lead['status'] == 'offered'"

# While away, anna is skipped: the next two leads both go to ben.
for n in 2 3; do
	flow_inject "$inquiry" "away-$n@inquiry.test"
	lid=$(flow_lead_id "away-$n@inquiry.test") || exit 1
	[ "$(flow_assignees "$lid")" = ben ] ||
		lr_fail "lead $lid went to $(flow_assignees "$lid") while anna is away"
done
[ "$(flow_count anna new-lead)" = 1 ] || lr_fail "anna got $(flow_count anna new-lead) offers"

# --- A bounce of the notification itself.
flow_inject "$inquiry" bounce-1@inquiry.test b
bid=$(flow_lead_id bounce-1@inquiry.test) || exit 1
flow_wait_lead "$bid" "lead['assignees'] == ['ben']" 60
flow_wait_mail ben new-lead "$bid" >/dev/null || exit 1
flow_check "$bid" "[e['actor'] for e in lead['events'] if e['type'] == 'unavailable'] == ['gone']"
flow_check "$bid" "re.match('bounce until', [e['detail'] for e in lead['events']
	if e['type'] == 'unavailable'][0])"
grep -q 'to=<gone@nowhere.test>.*status=bounced' "$PF_LOG" || lr_fail "no bounce in the maillog"

# Nothing answered the robots: no refused or help mail anywhere.
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
for u in anna ben dana; do
	[ "$(flow_count "$u" refused)$(flow_count "$u" help)" = 00 ] ||
		lr_fail "$u got an answer to an auto-reply or bounce"
done
[ "$(flow_count anna)" = 1 ] || lr_fail "anna got $(flow_count anna) mails, want only the offer"
flow_daemon_stop
lr_log "ok: out-of-office until $until re-routed to ben and skipped anna; bounce re-routed"
