#!/bin/bash
# flow-away.sh - reps who cannot answer, through a private Postfix:
#   - forged out-of-office replies to a rep's reply address change nothing:
#     one from a stranger (MAIL FROM:<>, "until 31 December 2099"), one
#     whose From is the rep but whose envelope sender is a foreign domain;
#   - the rep's own auto-reply (Auto-Submitted: auto-replied, "until
#     2099-12-31"): she is marked away, for workflow.max_away (3 days here)
#     at most, is told so by mail (how to come back: BACK), the lead is
#     re-routed at once, the next leads skip her, and the auto-reply gets
#     no answer (no mail loop);
#   - `leadroute user back` and `user away --until` let the admin fix it,
#     and BACK mailed to the away notice's reply address clears it too;
#   - a notification that bounces (the rep's domain is undeliverable): the
#     DSN names our notification, comes back to lead+TOKEN@, and the lead
#     goes on likewise.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-away
flow_user anna
flow_user ben
flow_mailbox mallory@outside.test
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
	'accept_within = "1h"; max_rejections = 2; max_away = "3d";'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/freeform.eml

# away_show - `leadroute user show ID`, first line.
away_show() {
	flow_cli user show -c "$FLOW_CONF" "$1" | head -1
}

# --- Out of office.
flow_inject "$inquiry" away-1@inquiry.test
id=$(flow_lead_id away-1@inquiry.test) || exit 1
[ "$(flow_assignees "$id")" = anna ] || lr_fail "a fresh rotation began with $(flow_assignees "$id")"
offer=$(flow_wait_mail anna new-lead "$id") || exit 1
to=$(python3 "$FLOW_PY" header "$offer" Reply-To | sed 's/.*<//; s/>.*//')

# Forged: a stranger's out-of-office until 2099 to anna's reply address,
# with the null envelope sender of a real vacation responder.
forged=$LR_TMP/forged.eml
python3 "$FLOW_PY" reply "$offer" --from mallory@outside.test --name "Mallory" \
	--auto-reply "31 December 2099" >"$forged" || lr_fail "cannot write the forgery"
python3 "$FLOW_PY" send "$PF_PORT" "" "$to" "$forged" || lr_fail "postfix refused the forgery"
# Forged: From says anna, the envelope sender is a foreign domain.
python3 "$FLOW_PY" reply "$offer" --from "anna@$FLOW_REPS" --name "Anna Rep" \
	--auto-reply "31 December 2099" >"$forged" || lr_fail "cannot write the forgery"
python3 "$FLOW_PY" send "$PF_PORT" mallory@outside.test "$to" "$forged" ||
	lr_fail "postfix refused the forgery"
lr_wait_until 30 grep -c 'reply unverified' "$FLOW_LOG.new" >/dev/null ||
	lr_fail "no log line for the forged auto-replies"
lr_wait_until 30 sh -c "[ \$(grep -c 'reply unverified' '$FLOW_LOG.new') -ge 2 ]" ||
	lr_fail "the forged auto-replies were not both logged"
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
flow_check "$id" "lead['assignees'] == ['anna'] and lead['status'] == 'offered'
	and 'unavailable' not in events and 'reply-refused' not in events"
[ "$(away_show anna)" = "anna: available" ] || lr_fail "forgery marked anna: $(away_show anna)"
[ "$(flow_count mallory@outside.test)" = 0 ] || lr_fail "the stranger got an answer"
lr_log "ok: forged auto-replies changed nothing and were answered by nobody"

# anna's own auto-reply, until 2099: away for max_away (3 days) only.
ooo=$LR_TMP/ooo.eml
python3 "$FLOW_PY" reply "$offer" --from "anna@$FLOW_REPS" --name "Anna Rep" \
	--auto-reply "2099-12-31" >"$ooo" || lr_fail "cannot write the auto-reply"
grep -q '^Auto-Submitted: auto-replied' "$ooo" || lr_fail "auto-reply lacks Auto-Submitted"
sent=$(date +%s)
python3 "$FLOW_PY" send "$PF_PORT" "" "$to" "$ooo" || lr_fail "postfix refused the auto-reply"
flow_wait_lead "$id" "lead['assignees'] == ['ben']"
flow_wait_mail ben new-lead "$id" >/dev/null || exit 1
flow_check "$id" "[e['actor'] for e in lead['events'] if e['type'] == 'unavailable'] == ['anna']"
flow_check "$id" "abs(int([e['detail'] for e in lead['events'] if e['type'] == 'unavailable'][0]
	.split()[-1]) - ($sent + 3 * 86400)) < 300"
flow_check "$id" "'rejected' not in events and lead['status'] == 'offered'"
case $(away_show anna) in "anna: away until "*) ;; *) lr_fail "anna is '$(away_show anna)'" ;; esac
notice=$(flow_wait_mail anna away "$id") || exit 1
python3 "$FLOW_PY" text "$notice" | grep -q 'BACK' || lr_fail "the away notice does not say BACK"
lr_log "ok: anna's auto-reply marked her away for 3 days, and she was told"

# While away, anna is skipped: the next two leads both go to ben.
for n in 2 3; do
	flow_inject "$inquiry" "away-$n@inquiry.test"
	lid=$(flow_lead_id "away-$n@inquiry.test") || exit 1
	[ "$(flow_assignees "$lid")" = ben ] ||
		lr_fail "lead $lid went to $(flow_assignees "$lid") while anna is away"
done
[ "$(flow_count anna new-lead)" = 1 ] || lr_fail "anna got $(flow_count anna new-lead) offers"

# The admin brings her back, then sends her away again; she answers BACK.
flow_cli user back -c "$FLOW_CONF" anna >/dev/null || lr_fail "leadroute user back failed"
[ "$(away_show anna)" = "anna: available" ] || lr_fail "after user back: $(away_show anna)"
flow_cli user show -c "$FLOW_CONF" anna | grep -q 'user-back by admin:' ||
	lr_fail "user back left no event"
flow_inject "$inquiry" away-4@inquiry.test
lid=$(flow_lead_id away-4@inquiry.test) || exit 1
flow_inject "$inquiry" away-5@inquiry.test
lid5=$(flow_lead_id away-5@inquiry.test) || exit 1
[ "$(flow_assignees "$lid") $(flow_assignees "$lid5")" != "ben ben" ] ||
	lr_fail "anna got no lead after user back"
flow_cli user away -c "$FLOW_CONF" --until "$(date -d '+2 days' +%F)" anna >/dev/null ||
	lr_fail "leadroute user away failed"
case $(away_show anna) in "anna: away until "*) ;; *) lr_fail "user away: '$(away_show anna)'" ;; esac
flow_reply "$notice" "anna@$FLOW_REPS" "BACK"
lr_wait_until 30 sh -c "[ \"\$(setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups \
	'$FLOW_LEADROUTE' user show -c '$FLOW_CONF' anna | head -1)\" = 'anna: available' ]" ||
	lr_fail "BACK did not clear anna's away state: $(away_show anna)"
flow_wait_lead "$id" "'back' in events"
lr_log "ok: user back, user away --until and BACK by mail"

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
[ "$(flow_count anna refused)" = 0 ] || lr_fail "anna got a refusal"
[ "$(flow_count gone away)" = 0 ] || lr_fail "an away notice went to an address that bounces"
flow_daemon_stop
lr_log "ok: out-of-office re-routed to ben and skipped anna; bounce re-routed"
