#!/bin/bash
# federation-outage.sh - the path between two servers down for a while.
# (1) The Postfix between hq and north is stopped while three leads come
# in to hq (over its LMTP) and are routed to north: hq's outbox retries
# with back-off.  (2) Postfix comes back while north's daemon (its LMTP) is
# down: Postfix holds the exchanges and delivers them once north is up.
# (3) hq's LMTP is down while nora's three ACCEPTs go back: the statuses
# wait at Postfix.  Every exchange is obeyed exactly once: three leads at
# north, one offer each, each hq lead received and accepted once by
# server:north.  (4) Late statuses: hq gives north 5 s for a fourth lead;
# north's "received" and nora's ACCEPT are held at Postfix while hq is down
# and the time runs out, so hq recalls the lead and routes it to anna; the
# statuses, delivered then, are recorded as status-late and change nothing
# (status, holder).
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"
. "$LR_SRCDIR/tests/lib/fed.sh"

fed_init federation-outage
fed_peer north
fed_secret hq north
fed_user hq anna
fed_user north nick 'role = "admin";'
fed_user north nora
# hq_config SLA - hq's configuration, north's accept_within SLA.
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

# hq_deferred N - hq's outbox has deferred N tries (relay down).
hq_deferred() {
	[ "$(grep -c 'to=<fed@north.test> status=deferred' "$FLOW_LOG.new")" -ge "$1" ]
}
# queued_for ADDR N - N messages wait at Postfix for ADDR.
queued_for() {
	[ "$(postfix_queue | grep -c "^ *$1\$")" -ge "$2" ]
}
# north_leads N - north holds N leads, each from a different exchange.
north_leads() {
	python3 - "$(fed_leads north)" "$1" <<'PY'
import json, sys
keys = [l["message_key"] for l in json.load(open(sys.argv[1])) if l["is_lead"]]
sys.exit(0 if len(keys) == len(set(keys)) == int(sys.argv[2]) else 1)
PY
}

# (1) The relay is down: three leads at hq, their exchanges retried.
postfix_stop
python3 "$LR_SRCDIR/tests/lmtp-client.py" load "unix:$FLOW_SOCK" --count 3 --prefix outage \
	--deadline 30 --report "$LR_TMP/lmtp.json" >/dev/null || lr_fail "hq did not take 3 leads"
ids=()
for n in 0 1 2; do
	ids+=("$(flow_lead_id "outage-00000$n@e2e.test")") || exit 1
done
lr_wait_until 30 hq_deferred 6 || lr_fail "hq did not retry its exchanges: $(grep -c status=deferred "$FLOW_LOG.new")"
for id in "${ids[@]}"; do
	flow_check "$id" 'lead["status"] == "federated" and events.count("exchange-sent") == 1'
done

# (2) The relay is back, north's LMTP is not: the exchanges wait there.
fed_daemon_stop north
postfix_start
lr_wait_until 30 queued_for fed@north.test 3 || lr_fail "the exchanges did not reach Postfix: $(postfix_queue)"
sleep 2 # Postfix tries north's LMTP, and defers
fed_daemon_start north
lr_wait_until 30 postfix_retrying north_leads 3 || lr_fail "north does not hold 3 leads: $(postfix_queue)"
lr_wait_until 30 flow_has nora new-lead "" 3 || lr_fail "nora was not offered 3 leads"
for id in "${ids[@]}"; do
	flow_wait_lead "$id" 'events.count("partner-received") == 1'
done

# (3) hq's LMTP is down while the ACCEPTs go back.
fed_daemon_stop hq
mapfile -t offers < <(flow_mails nora new-lead)
[ ${#offers[@]} = 3 ] || lr_fail "nora has ${#offers[@]} offers, not 3"
for f in "${offers[@]}"; do
	flow_reply "$f" "nora@$FLOW_REPS" "ACCEPT"
done
lr_wait_until 30 queued_for fed@leads.test 3 || lr_fail "the statuses did not wait at Postfix: $(postfix_queue)"
hq_config 5s
fed_daemon_start hq
for id in "${ids[@]}"; do
	flow_wait_lead "$id" 'lead["status"] == "accepted"'
	flow_check "$id" '[(e["actor"], e["detail"]) for e in lead["events"] if e["type"] == "accepted"] == [("server:north", "Nora Rep")]'
	flow_check "$id" 'events.count("federated") == 1 and events.count("partner-received") == 1'
done
north_leads 3 || lr_fail "north holds more than the 3 leads"
[ "$(flow_count nora new-lead)" = 3 ] || lr_fail "nora got $(flow_count nora new-lead) offers, not 3"

# (4) Statuses that come after hq routed the lead on: hq stops as soon as
# the exchange has left; nora's ACCEPT (and north's "received", unless hq
# obeyed it before it stopped) wait at Postfix, held there until hq,
# started after north's 5 s, has recalled the lead and routed it to anna.
sent=$(grep -c 'to=<fed@north.test> status=sent' "$FLOW_LOG.new")
# hq_sent N - hq has sent N exchanges to north in this run.
hq_sent() {
	[ "$(grep -c 'to=<fed@north.test> status=sent' "$FLOW_LOG.new")" -ge "$1" ]
}
flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" fed-late@inquiry.test
lr_wait_until 30 hq_sent $((sent + 1)) || lr_fail "hq did not send the fourth lead"
t0=$SECONDS
fed_daemon_stop hq
late=$(sed -n 's/^leadrouted\[[0-9]*\]: \([0-9]*\): .*key=fed-late@inquiry.test status=stored$/\1/p' \
	"$FLOW_LOG" | head -1)
[ -n "$late" ] || lr_fail "hq's log does not name the fourth lead"
offer=$(flow_wait_mail nora new-lead "" 4) || exit 1
flow_reply "$offer" "nora@$FLOW_REPS" "ACCEPT"
waiting=2
grep -q "status.north.hq.$late.1.1 from server:north" "$FLOW_LOG" && waiting=1
lr_wait_until 30 queued_for fed@leads.test $waiting ||
	lr_fail "the late statuses did not wait at Postfix: $(postfix_queue)"
postsuper -c "$PF_CONF" -h ALL >/dev/null 2>&1 || lr_fail "postsuper -h"
[ $((SECONDS - t0)) -ge 6 ] || sleep $((6 - (SECONDS - t0)))
fed_daemon_start hq
flow_wait_lead "$late" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]'
flow_check "$late" '"recalled" in events and "accepted" not in events'
postsuper -c "$PF_CONF" -H ALL >/dev/null 2>&1 || lr_fail "postsuper -H"
postqueue -c "$PF_CONF" -f
flow_wait_lead "$late" "events.count('status-late') == $waiting"
flow_check "$late" '("server:north", "accepted by Nora Rep (offer 1, no longer current: nothing changed)") in [(e["actor"], e["detail"]) for e in lead["events"] if e["type"] == "status-late"]'
[ $waiting = 1 ] || flow_check "$late" '"partner-received" not in events'
flow_check "$late" 'lead["status"] == "offered" and lead["assignees"] == ["anna"] and "accepted" not in events'
flow_wait_mail anna new-lead "$late" >/dev/null || exit 1
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
fed_daemon_stop north
fed_daemon_stop hq
lr_log "ok: relay down, north's and hq's LMTP down: every exchange once; a late status changes nothing"
