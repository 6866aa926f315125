#!/bin/bash
# federation-accept.sh - a lead travels from hq to its partner north and
# its status comes back: two leadrouted servers with their own homes and
# configurations behind one real Postfix on loopback.  hq's rule routes the
# inquiry to server:north; north's own rule offers it to its rep nora, who
# ACCEPTs by reply; hq shows it accepted by server:north with nora's display
# name; CONTACTED and WON 12000 come back and show in hq's show and report.
# The phone hq withholds from north is in no byte the relay carried.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"
. "$LR_SRCDIR/tests/lib/fed.sh"

fed_init federation-accept
fed_peer north
fed_secret hq north
fed_user north nick 'role = "admin";'
fed_user north nora
fed_config hq '{ name = "dealers"; route = "server:north"; }' 'accept_within = "1h";' \
	"{ id = \"north\"; name = \"North Dealer Group\"; deliver = \"mailto:fed@north.test\";
	   secret_file = \"$FED_SECRET_hq_north\"; withhold = [\"phone\"]; accept_within = \"1h\"; }"
fed_config north '{ name = "all"; route = "nora"; }' 'accept_within = "1h";' \
	"{ id = \"hq\"; deliver = \"mailto:fed@leads.test\"; secret_file = \"$FED_SECRET_north_hq\"; }"
fed_start

inquiry=$(lr_corpus inquiries) || exit 1
inquiry=$inquiry/v01-contact-form.eml
phone=$(sed -n 's/^Phone: *//p' "$inquiry" | tr -d '\r')
digits=$(tr -cd '0-9' <<<"$phone")
[ ${#digits} -ge 8 ] || lr_fail "no phone number in $inquiry"
flow_inject "$inquiry" fed-accept-1@inquiry.test

# hq: federated to north, one exchange in hq's history.
id=$(flow_lead_id fed-accept-1@inquiry.test) || exit 1
flow_check "$id" 'lead["status"] == "federated" and lead["assignees"] == ["server:north"]'
flow_check "$id" '"federated" in events and "exchange-sent" in events'

# north: a lead of its own, routed by north's rule to nora, with hq's fields
# except the phone.
offer=$(flow_wait_mail nora new-lead) || exit 1
nid=$(flow_lead_of "$offer")
[ -n "$nid" ] || lr_fail "nora's offer names no lead"
fed_check north "$nid" 'lead["status"] == "offered" and lead["assignees"] == ["nora"]'
fed_check north "$nid" 'lead["format"] == "leadroute"'
nshow=$(fed_cli north show "$nid") || lr_fail "show $nid at north"
grep -q "from server:hq (its lead $id; chain hq)" <<<"$nshow" || lr_fail "north's show does not name the origin: $nshow"
fed_check north "$nid" '"phone" not in lead["fields"] and lead["fields"]["company"] == "Northwind Retail Ltd"'
fed_check north "$nid" '"from" not in lead["fields"]'
fed_check north "$nid" 'any(e["type"] == "parsed" and e["actor"] == "server:hq" for e in lead["events"])'
fed_wait_lead hq "$id" 'any(e["type"] == "partner-received" for e in lead["events"])'

# nora accepts: hq shows the lead accepted by server:north, by her name.
flow_reply "$offer" "nora@$FLOW_REPS" "ACCEPT"
fed_wait_lead north "$nid" 'lead["status"] == "accepted"'
flow_wait_lead "$id" 'lead["status"] == "accepted"'
flow_check "$id" '[(e["actor"], e["detail"]) for e in lead["events"] if e["type"] == "accepted"] == [("server:north", "Nora Rep")]'

# CONTACTED, then WON 12000, by reply at north: both come back to hq.
flow_reply "$offer" "nora@$FLOW_REPS" "CONTACTED"
flow_wait_lead "$id" 'lead["stage"] == "contacted"'
flow_reply "$offer" "nora@$FLOW_REPS" "WON 12000"
flow_wait_lead "$id" 'lead["stage"] == "won" and lead["status"] == "closed"'
flow_check "$id" '[e["detail"] for e in lead["events"] if e["type"] == "won" and e["actor"] == "server:north"] == ["12000"]'
show=$(fed_cli hq show "$id") || lr_fail "show $id"
grep -q 'accepted.*server:north.*Nora Rep' <<<"$show" || lr_fail "show does not tell the acceptance: $show"
grep -q 'won.*server:north.*12000' <<<"$show" || lr_fail "show does not tell the win: $show"
grep -q 'at server:north, accepted by Nora Rep' <<<"$show" || lr_fail "show does not name the partner: $show"
flow_check "$id" 'lead["federation"] == {"server": "north", "accepted_by": "Nora Rep"}'
fed_check north "$nid" 'lead["federation"]["origin"] == "hq" and lead["federation"]["origin_lead"] == "'"$id"'"'
report=$(fed_cli hq report --by server --format csv 2>&1) || lr_fail "report: $report"
grep -q 'north' <<<"$report" || lr_fail "report --by server has no north: $report"
python3 - "$report" <<'PY' || lr_fail "report --by server does not count the win: $report"
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
north = [r for r in rows if "north" in " ".join(r.values())]
assert north and any(r.get("won") == "1" for r in north), rows
PY

# Withheld: the phone is in no byte of any message the relay carried
# from hq to north (raw, and every part decoded).
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
n=0
while read -r f; do
	grep -q '^X-Leadroute-Exchange: lead ' "$f" || continue
	n=$((n + 1))
	tr -cd '0-9' <"$f" | grep -qF "$digits" && lr_fail "the phone is in the raw exchange $f"
	python3 - "$f" "$digits" <<'PY' || lr_fail "the phone is in a decoded part of $f"
import email, email.policy, re, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for part in msg.walk():
    if not part.is_multipart():
        body = part.get_payload(decode=True) or b""
        assert sys.argv[2] not in re.sub(rb"[^0-9]", b"", body).decode(), part.get_content_type()
PY
done < <(fed_captured)
[ "$n" = 1 ] || lr_fail "$n lead exchanges at the relay, not 1"

# One offer at north, nothing refused anywhere.
[ "$(flow_count nora new-lead)" = 1 ] || lr_fail "nora got $(flow_count nora new-lead) offers"
for p in hq north; do
	fed__vars "$p"
	grep -q 'exchange refused' "$F_LOG.new" && lr_fail "$p refused an exchange"
done
fed_daemon_stop north
fed_daemon_stop hq
lr_log "ok: lead $id -> north lead $nid, accepted by Nora Rep, contacted, won 12000; phone withheld"
