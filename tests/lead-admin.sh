#!/bin/bash
# lead-admin.sh - the admin commands end to end through a private Postfix:
# `lead reassign` takes a lead from anna (told by mail it is no longer
# hers) and offers it to bob (the normal offer, with a reply token that
# works), the event with the admin as actor in `show`; `lead close won
# 5000` closes it and `report` counts the amount; `lead note` is in
# `show` and mailed to the holder; unknown ids and users, closed leads
# and bad amounts are refused (65 / 64) and change nothing.  `user list`
# prints one line per user: availability, open leads, capacity, away
# until, last activity.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init lead-admin
flow_user anna
flow_user bob
flow_config '{ name = "all"; route = "anna"; }' 'accept_within = "1h";'
flow_start

flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" admin-1@inquiry.test
flow_inject "$LR_SRCDIR/examples/inquiries/freeform.eml" admin-2@inquiry.test
id=$(flow_lead_id admin-1@inquiry.test) || exit 1
other=$(flow_lead_id admin-2@inquiry.test) || exit 1
offer=$(flow_wait_mail anna new-lead "$id") || exit 1
flow_check "$id" "lead['status'] == 'offered' and lead['assignees'] == ['anna']"

# admin ARGS... - `leadroute lead` as the daemon's user: exit status in
# $rc, stdout then stderr (without log lines) in $out.
admin() {
	out=$(flow_cli lead "$1" -c "$FLOW_CONF" "${@:2}" 2>"$LR_TMP/admin.err")
	rc=$?
	out="$out$(grep -v '^leadroute\[' "$LR_TMP/admin.err")"
}

# Reassign: anna told, bob offered, the event by the admin.
admin reassign "$id" bob
[ "$rc" -eq 0 ] || lr_fail "reassign: exit $rc: $out"
[ "$out" = "lead $id: reassigned to bob (by admin:nobody)" ] || lr_fail "reassign said: $out"
revoked=$(flow_wait_mail anna revoked "$id") || exit 1
python3 "$FLOW_PY" text "$revoked" | grep -q "no longer yours: reassigned to" ||
	lr_fail "anna's mail does not say it was reassigned: $(python3 "$FLOW_PY" text "$revoked")"
bob_offer=$(flow_wait_mail bob new-lead "$id") || exit 1
flow_check "$id" "lead['status'] == 'offered' and lead['assignees'] == ['bob']"
flow_check "$id" "[(e['type'], e['actor'], e['detail']) for e in lead['events'] \
if e['type'] == 'reassigned'] == [('reassigned', 'admin:nobody', 'from=anna to=bob')]"
flow_cli show -c "$FLOW_CONF" "$id" | grep -q "reassigned.*admin:nobody" ||
	lr_fail "show does not list the reassignment by the admin"
# anna's old offer no longer works; bob's does.
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT"
flow_reply "$bob_offer" "bob@$FLOW_REPS" "ACCEPT"
flow_wait_lead "$id" "lead['status'] == 'accepted' and lead['assignees'] == ['bob']"

# Note: in show, mailed to bob.
admin note "$id" "called back, wants a quote"
[ "$rc" -eq 0 ] || lr_fail "note: exit $rc: $out"
flow_check "$id" "[(e['actor'], e['detail']) for e in lead['events'] if e['type'] == 'note'] \
== [('admin:nobody', 'called back, wants a quote')]"
flow_cli show -c "$FLOW_CONF" "$id" | grep -q "called back, wants a quote" ||
	lr_fail "show does not list the note"
flow_wait_mail bob confirm "$id" >/dev/null || exit 1

# Close won 5000 (by --actor): closed, in the report, bob told.
n=$(flow_count bob confirm "$id")
admin close --actor dana "$id" won 5000
[ "$rc" -eq 0 ] || lr_fail "close: exit $rc: $out"
flow_check "$id" "lead['status'] == 'closed' and lead['stage'] == 'won' and \
[(e['actor'], e['detail']) for e in lead['events'] if e['type'] == 'won'] == [('dana', '5000')]"
flow_wait_mail bob confirm "$id" $((n + 1)) >/dev/null || exit 1
report=$(flow_cli report -c "$FLOW_CONF" --by user --format csv 2>&1) || lr_fail "report: $report"
python3 - "$report" <<'PY' || lr_fail "report: $report"
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
row = [r for r in rows if r["user"] == "total"][0]
assert row["won"] == "1" and float(row["won_amount"]) == 5000, row
PY

# Refusals: nothing changes.
before=$(flow_cli show -c "$FLOW_CONF" --json "$id")
admin close "$id" lost changed our mind
[ "$rc" -eq 65 ] || lr_fail "a closed lead took lost: exit $rc: $out"
case $out in *"is closed"*) ;; *) lr_fail "no clear refusal for a closed lead: $out" ;; esac
admin reassign "$id" anna
[ "$rc" -eq 65 ] || lr_fail "a closed lead was reassigned: exit $rc: $out"
[ "$(flow_cli show -c "$FLOW_CONF" --json "$id")" = "$before" ] || lr_fail "the closed lead changed"
before=$(flow_cli show -c "$FLOW_CONF" --json "$other")
admin reassign "$other" nosuchuser
[ "$rc" -eq 65 ] && case $out in *"unknown user: nosuchuser"*) true ;; *) false ;; esac ||
	lr_fail "unknown user: exit $rc: $out"
admin close "$other" won 5k
[ "$rc" -eq 64 ] || lr_fail "amount 5k: exit $rc, want 64: $out"
admin close "$other" promoted
[ "$rc" -eq 64 ] || lr_fail "close promoted: exit $rc, want 64: $out"
admin note "$other"
[ "$rc" -eq 64 ] || lr_fail "note without text: exit $rc, want 64: $out"
[ "$(flow_cli show -c "$FLOW_CONF" --json "$other")" = "$before" ] || lr_fail "lead $other changed"
admin note 999999 hello
[ "$rc" -eq 65 ] && case $out in *"lead 999999 does not exist"*) true ;; *) false ;; esac ||
	lr_fail "unknown lead: exit $rc: $out"

# user list: anna holds the other lead; bob away, last active (he accepted).
flow_cli user away -c "$FLOW_CONF" --until 2099-01-01 bob >/dev/null || lr_fail "user away bob"
list=$(flow_cli user list -c "$FLOW_CONF" 2>&1) || lr_fail "user list: $list"
[ "$(grep -c . <<<"$list")" -eq 4 ] || lr_fail "user list: not a header and 3 users: $list"
grep -Eq '^dana +available +0 +- +- +20[0-9][0-9]-' <<<"$list" || lr_fail "user list, dana (closed the lead): $list"
grep -Eq '^anna +available +1 +- +- +-$' <<<"$list" || lr_fail "user list, anna: $list"
grep -Eq '^bob +away +0 +- +2099-01-01.* 20[0-9][0-9]-' <<<"$list" ||
	lr_fail "user list, bob: $list"
flow_cli user list -c "$FLOW_CONF" extra >/dev/null 2>&1
[ $? -eq 64 ] || lr_fail "user list with an argument: not 64"
# user show: the same facts for one user, then the history.
show=$(flow_cli user show -c "$FLOW_CONF" bob 2>&1) || lr_fail "user show bob: $show"
grep -q '^bob: away until 2099-01-01' <<<"$show" && grep -qx '  open leads: 0' <<<"$show" &&
	grep -qx '  capacity: no limit' <<<"$show" &&
	grep -Eq '^  last activity: 20[0-9][0-9]-' <<<"$show" &&
	grep -q 'user-away by admin:' <<<"$show" || lr_fail "user show bob: $show"
show=$(flow_cli user show -c "$FLOW_CONF" anna 2>&1) || lr_fail "user show anna: $show"
grep -qx 'anna: available' <<<"$show" && grep -qx '  open leads: 1' <<<"$show" &&
	grep -qx '  last activity: -' <<<"$show" || lr_fail "user show anna: $show"
flow_cli user show -c "$FLOW_CONF" nobody-such >/dev/null 2>&1
[ $? -eq 1 ] || lr_fail "user show of an unknown user: not 1"

flow_daemon_stop
echo "ok: lead reassign, close and note"
