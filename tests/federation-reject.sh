#!/bin/bash
# federation-reject.sh - the partner gives a lead back, or keeps it too
# long.  (1) north's rep REJECTs: north tells hq, hq routes the lead on to
# its own rep anna, skipping north.  (2) north's rep stays silent past hq's
# accept_within for north (3 seconds): hq sends a signed recall, north
# obeys it (its offer is withdrawn and nora is told), hq routes the lead to
# anna; nora's late ACCEPT at north is refused there and changes nothing at
# hq.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"
. "$LR_SRCDIR/tests/lib/fed.sh"

fed_init federation-reject
fed_peer north
fed_secret hq north
fed_user hq anna
fed_user north nick 'role = "admin";'
fed_user north nora
# hq_config SLA - hq's configuration with north's accept_within.
hq_config() {
	fed_config hq '{ name = "dealers"; route = { to = ["server:north", "anna"]; strategy = "first"; }; }' \
		'accept_within = "1h";' \
		"{ id = \"north\"; deliver = \"mailto:fed@north.test\"; secret_file = \"$FED_SECRET_hq_north\";
		   accept_within = \"$1\"; }"
}
hq_config 1h
fed_config north '{ name = "all"; route = "nora"; }' 'accept_within = "1h";' \
	"{ id = \"hq\"; deliver = \"mailto:fed@leads.test\"; secret_file = \"$FED_SECRET_north_hq\"; }"
fed_start

inquiry=$LR_SRCDIR/examples/inquiries/contact-form.eml

# (1) REJECT at north: back to hq, routed to anna.
flow_inject "$inquiry" fed-reject-1@inquiry.test
id=$(flow_lead_id fed-reject-1@inquiry.test) || exit 1
flow_check "$id" 'lead["status"] == "federated"'
offer=$(flow_wait_mail nora new-lead) || exit 1
nid=$(flow_lead_of "$offer")
flow_reply "$offer" "nora@$FLOW_REPS" "REJECT not our region"
fed_wait_lead north "$nid" 'lead["status"] == "closed" and "returned" in events'
flow_wait_lead "$id" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]'
flow_check "$id" '[(e["actor"], e["detail"]) for e in lead["events"] if e["type"] == "rejected"] == [("server:north", "not our region")]'
flow_wait_mail anna new-lead "$id" >/dev/null || exit 1
# North routed it to nobody else, and offered it once.
fed_check north "$nid" 'lead["assignees"] == []'
[ "$(flow_count nora new-lead "$nid")" = 1 ] || lr_fail "nora got the lead more than once"

# (2) Silence at north past 3 seconds: recalled, obeyed, routed to anna.
fed_daemon_stop hq
hq_config 3s
fed_daemon_start hq
flow_inject "$inquiry" fed-reject-2@inquiry.test
id2=$(flow_lead_id fed-reject-2@inquiry.test) || exit 1
offer2=$(flow_wait_mail nora new-lead "" 2) || exit 1
nid2=$(flow_lead_of "$offer2")
[ "$nid2" != "$nid" ] || lr_fail "the second offer is about the first lead"
flow_wait_lead "$id2" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]' 30
flow_check "$id2" '[e["detail"] for e in lead["events"] if e["type"] == "recalled"] == ["server:north"]'
fed_wait_lead north "$nid2" 'lead["status"] == "closed" and "recalled" in events'
flow_wait_mail nora revoked "$nid2" >/dev/null || exit 1
flow_wait_mail anna new-lead "$id2" >/dev/null || exit 1

# nora's late ACCEPT: refused at north, nothing changes at hq.
flow_reply "$offer2" "nora@$FLOW_REPS" "ACCEPT"
fed_wait_lead north "$nid2" '"reply-refused" in events'
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
sleep 1
flow_check "$id2" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]'
flow_check "$id2" 'not any(e["type"] == "accepted" for e in lead["events"])'
fed_check north "$nid2" 'lead["status"] == "closed"'
fed_daemon_stop north
fed_daemon_stop hq
lr_log "ok: rejected at north -> anna; silent at north -> recalled, obeyed, anna; late ACCEPT ignored"
