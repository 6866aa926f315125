#!/bin/bash
# lead-status.sh - `leadroute lead status` against a real store: leads a
# rule sends to a one-way ADF partner stay "federated" until an admin
# records contacted, won with an amount, or lost with a reason; each is an
# event with the admin (or --actor) as actor, the stage and status change
# with it, and `report --by server` counts them.  Each lead leaves once as
# one single-part ADF mail that reaches the dealer's mailbox through the
# real Postfix, is valid against federation/adf-1.0.dtd and holds the phone
# the dealer's entry withholds in no byte.  A lead a local rep holds,
# a lead already won, an unknown id and a malformed amount are refused and
# change nothing.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init lead-status
flow_user anna
flow_mailbox crm@reps.test
# flow_config has no servers argument: the group follows the rules list.
flow_config '{ name = "dealer"; when = "source == '"'dealer'"'"; route = "server:dealer"; },
  { name = "portal"; when = "source == '"'portal'"'"; route = "server:portal"; },
  { name = "rest"; route = "anna"; } );
servers = ( { id = "dealer"; name = "Prairie Ford"; deliver = "mailto:crm@reps.test";
  format = "adf"; withhold = ["phone"]; },
  { id = "portal"; deliver = "https://portal.test/leads"; format = "adf"; }'
flow_start

flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" status-1@inquiry.test dealer
flow_inject "$LR_SRCDIR/examples/inquiries/freeform.eml" status-2@inquiry.test dealer
flow_inject "$LR_SRCDIR/examples/inquiries/html-form.eml" status-3@inquiry.test website
won=$(flow_lead_id status-1@inquiry.test) || exit 1
lost=$(flow_lead_id status-2@inquiry.test) || exit 1
local=$(flow_lead_id status-3@inquiry.test) || exit 1
flow_check "$won" "lead['status'] == 'federated' and lead['assignees'] == ['server:dealer']"
flow_check "$lost" "lead['status'] == 'federated'"

# An https deliver: the ADF document is POSTed from the outbox, never
# mailed to the URL; portal.test does not resolve, so it is retried (a
# temporary failure) and the lead stays with the partner meanwhile.
flow_inject "$LR_SRCDIR/examples/inquiries/freeform.eml" status-4@inquiry.test portal
portal=$(flow_lead_id status-4@inquiry.test) || exit 1
flow_check "$portal" "lead['status'] == 'federated' and lead['assignees'] == ['server:portal']"
lr_wait_until 30 grep -q "to=<https://portal.test/leads> status=deferred" "$FLOW_LOG.new" ||
	lr_fail "the ADF POST to the portal was not tried and deferred"
grep -q "portal\.test" "$PF_LOG" && lr_fail "the portal's lead went through the relay"

# The ADF mails at the dealer's mailbox: one per lead, valid ADF 1.0.
crm=$(postfix_maildir crm@reps.test)
adf_count() { ls "$crm"/new 2>/dev/null | grep -c .; }
lr_wait_until 30 eval '[ "$(adf_count)" -ge 2 ]' || lr_fail "ADF mails at the dealer: $(adf_count)"
for f in "$crm"/new/*; do
	grep -q '5550' "$f" && lr_fail "the withheld phone is in the ADF mail $f"
	python3 - "$f" "$LR_TMP/adf.xml" <<'PY' || lr_fail "ADF mail $f: $(cat "$f")"
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert not msg.is_multipart(), "multipart"
assert msg.get_content_type() == "application/xml", msg["Content-Type"]
assert msg.get_content_charset() == "utf-8", msg["Content-Type"]
assert msg["From"].addresses[0].addr_spec == "desk@leads.test", msg["From"]
assert msg["To"].addresses[0].addr_spec == "crm@reps.test", msg["To"]
assert msg["Message-ID"].startswith("<fed.adf.flow."), msg["Message-ID"]
body = msg.get_payload(decode=True)
assert b"5550" not in body, "withheld phone in the body"
assert b"Prairie Ford" in body and b"crm@reps.test" in body, "no vendor"
open(sys.argv[2], "wb").write(body)
PY
	xmllint --noout --nonet --dtdvalid "$LR_SRCDIR/federation/adf-1.0.dtd" "$LR_TMP/adf.xml" \
		>"$LR_TMP/xmllint.out" 2>&1 || lr_fail "ADF not valid: $(cat "$LR_TMP/xmllint.out")"
done

# status ID ARGS... - `leadroute lead status` as the daemon's user; its
# exit status in $rc, what it printed in $out (stdout, then stderr without
# the log lines).
status() {
	out=$(flow_cli lead status -c "$FLOW_CONF" "$@" 2>"$LR_TMP/status.err")
	rc=$?
	out="$out$(grep -v '^leadroute\[' "$LR_TMP/status.err")"
}

status "$won" contacted
[ "$rc" -eq 0 ] || lr_fail "contacted: exit $rc: $out"
flow_check "$won" "lead['stage'] == 'contacted' and lead['status'] == 'federated'"
status "$won" won 12000
[ "$rc" -eq 0 ] || lr_fail "won: exit $rc: $out"
[ "$out" = "lead $won: won 12000 (by admin:nobody)" ] || lr_fail "won said: $out"
flow_check "$won" "lead['stage'] == 'won' and lead['status'] == 'closed'"
flow_check "$won" "[(e['type'], e['actor'], e['detail'] or None) for e in lead['events'][-2:]] == \
[('contacted', 'admin:nobody', None), ('won', 'admin:nobody', '12000')]"
status --actor dana "$lost" lost Bought elsewhere
[ "$rc" -eq 0 ] || lr_fail "lost: exit $rc: $out"
flow_check "$lost" "lead['stage'] == 'lost' and lead['status'] == 'closed' and \
(lead['events'][-1]['type'], lead['events'][-1]['actor'], lead['events'][-1]['detail']) == \
('lost', 'dana', 'Bought elsewhere')"

# Refusals: nothing changes.
before=$(flow_cli show -c "$FLOW_CONF" --json "$won")
status "$won" lost changed our mind
[ "$rc" -eq 1 ] || lr_fail "a closed lead took lost: exit $rc: $out"
case $out in *"is closed"*) ;; *) lr_fail "no clear refusal for a closed lead: $out" ;; esac
[ "$(flow_cli show -c "$FLOW_CONF" --json "$won")" = "$before" ] || lr_fail "the won lead changed"
flow_check "$local" "lead['status'] == 'offered' and lead['assignees'] == ['anna']"
before=$(flow_cli show -c "$FLOW_CONF" --json "$local")
status "$local" won 500
[ "$rc" -eq 1 ] || lr_fail "a lead anna holds took won: exit $rc: $out"
[ "$(flow_cli show -c "$FLOW_CONF" --json "$local")" = "$before" ] || lr_fail "anna's lead changed"
status 999999 contacted
[ "$rc" -eq 1 ] && case $out in *"no lead 999999"*) true ;; *) false ;; esac ||
	lr_fail "unknown lead: exit $rc: $out"
status "$lost" won 12k
[ "$rc" -eq 64 ] || lr_fail "amount 12k: exit $rc, want 64: $out"
status "$lost" promoted
[ "$rc" -eq 64 ] || lr_fail "stage 'promoted': exit $rc, want 64: $out"

# The report counts them for the partner.
report=$(flow_cli report -c "$FLOW_CONF" --by server --format csv 2>&1) ||
	lr_fail "report --by server: $report"
printf '%s\n' "$report" | grep -q '^"server:dealer",' || lr_fail "no row for server dealer: $report"
python3 - "$report" <<'PY' || lr_fail "report --by server: $report"
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
row = [r for r in rows if "dealer" in " ".join(r.values())][0]
assert row["won"] == "1" and row["lost"] == "1", row
assert float(row["won_amount"]) == 12000, row
PY
[ "$(adf_count)" -eq 2 ] || lr_fail "ADF mails at the dealer: $(adf_count), want 2"
flow_daemon_stop
echo "ok: lead status records contacted, won and lost for one-way leads"
