#!/bin/bash
# federation-chain.sh - a lead travels on: hq -> north -> west, three
# leadrouted servers behind one real Postfix.  north's own rule sends it on
# to west; west's rule would send it back to hq, which is in its chain, so
# west skips hq and offers it to its rep wes.  wes ACCEPTs: west tells
# north, north tells hq, and hq shows it accepted by server:north with
# wes's display name; the chain is recorded at every hop.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"
. "$LR_SRCDIR/tests/lib/fed.sh"

fed_init federation-chain
fed_peer north
fed_peer west
fed_secret hq north
fed_secret north west
fed_secret hq west
fed_user north nick 'role = "admin";'
fed_user west wendy 'role = "admin";'
fed_user west wes
fed_config hq '{ name = "dealers"; route = "server:north"; }' 'accept_within = "1h";' \
	"{ id = \"north\"; deliver = \"mailto:fed@north.test\"; secret_file = \"$FED_SECRET_hq_north\"; },
	 { id = \"west\"; deliver = \"mailto:fed@west.test\"; secret_file = \"$FED_SECRET_hq_west\"; }"
fed_config north '{ name = "on"; route = "server:west"; }' 'accept_within = "1h";' \
	"{ id = \"hq\"; deliver = \"mailto:fed@leads.test\"; secret_file = \"$FED_SECRET_north_hq\"; },
	 { id = \"west\"; deliver = \"mailto:fed@west.test\"; secret_file = \"$FED_SECRET_north_west\"; }"
fed_config west '{ name = "back"; route = { to = ["server:hq", "wes"]; strategy = "first"; }; }' \
	'accept_within = "1h";' \
	"{ id = \"hq\"; deliver = \"mailto:fed@leads.test\"; secret_file = \"$FED_SECRET_west_hq\"; },
	 { id = \"north\"; deliver = \"mailto:fed@north.test\"; secret_file = \"$FED_SECRET_west_north\"; }"
fed_start

flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" fed-chain-1@inquiry.test
id=$(flow_lead_id fed-chain-1@inquiry.test) || exit 1
offer=$(flow_wait_mail wes new-lead) || exit 1
wid=$(flow_lead_of "$offer")
fed_check west "$wid" 'lead["assignees"] == ["wes"]'
fed_check west "$wid" '[e["detail"] for e in lead["events"] if e["type"] == "federation-skipped"] == ["server:hq: the lead came from there"]'
fed_check west "$wid" 'any(e["type"] == "parsed" and "chain=hq,north" in e["detail"] for e in lead["events"])'
# north holds its own copy, federated on to west.
nid=$(python3 -c '
import json, sys
print([l["id"] for l in json.load(open(sys.argv[1])) if l["is_lead"]][0])' "$(fed_leads north)")
fed_check north "$nid" 'lead["status"] == "federated" and lead["assignees"] == ["server:west"]'

flow_reply "$offer" "wes@$FLOW_REPS" "ACCEPT"
fed_wait_lead north "$nid" 'lead["status"] == "accepted"'
flow_wait_lead "$id" 'lead["status"] == "accepted"'
fed_check north "$nid" '[(e["actor"], e["detail"]) for e in lead["events"] if e["type"] == "accepted"] == [("server:west", "Wes Rep")]'
flow_check "$id" '[(e["actor"], e["detail"]) for e in lead["events"] if e["type"] == "accepted"] == [("server:north", "Wes Rep")]'
# Nothing was ever sent back to hq as a lead: hq holds one lead only.
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
python3 - "$(fed_leads hq)" <<'PY' || lr_fail "hq received its own lead back"
import json, sys
sys.exit(0 if len([l for l in json.load(open(sys.argv[1])) if l["is_lead"]]) == 1 else 1)
PY
for p in west north hq; do fed_daemon_stop "$p"; done
lr_log "ok: hq -> north -> west, not back to hq; accepted by Wes Rep, reported up the chain"
