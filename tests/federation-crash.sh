#!/bin/bash
# federation-crash.sh - SIGKILL mid-exchange: five leads go from hq to
# north; hq is killed as soon as it has stored the first inquiry and north
# as soon as it has stored the first exchange, and both start again.  Then
# nora accepts all five and north is killed again right after the first
# reply, and hq once it has obeyed two of the statuses coming back.  Every exchange is obeyed once: five leads at north, one offer
# each, and each of hq's leads accepted by server:north exactly once.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"
. "$LR_SRCDIR/tests/lib/fed.sh"

fed_init federation-crash
fed_peer north
fed_secret hq north
fed_user north nick 'role = "admin";'
fed_user north nora
fed_config hq '{ name = "dealers"; route = "server:north"; }' 'accept_within = "1h";' \
	"{ id = \"north\"; deliver = \"mailto:fed@north.test\"; secret_file = \"$FED_SECRET_hq_north\"; }"
fed_config north '{ name = "all"; route = "nora"; }' 'accept_within = "1h";' \
	"{ id = \"hq\"; deliver = \"mailto:fed@leads.test\"; secret_file = \"$FED_SECRET_north_hq\"; }"
fed_start

# logged PEER TEXT - PEER's current log has a line with TEXT.
logged() {
	fed__vars "$1"
	grep -q -- "$2" "$F_LOG.new" 2>/dev/null
}
# hq_accepted N - hq's current log has obeyed N ACCEPTs from north.
hq_accepted() {
	fed__vars hq
	[ "$(grep -c 'event=accepted actor=server:north' "$F_LOG.new" 2>/dev/null)" -ge "$1" ]
}
# is_lead_count PEER N - PEER holds N leads.
lead_count() {
	python3 - "$(fed_leads "$1")" "$2" <<'PY'
import json, sys
sys.exit(0 if len([l for l in json.load(open(sys.argv[1])) if l["is_lead"]]) == int(sys.argv[2]) else 1)
PY
}

for i in 1 2 3 4 5; do
	flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" "fed-crash-$i@inquiry.test"
done
lr_wait_until 30 logged hq 'status=stored' || lr_fail "hq stored nothing"
fed_daemon_kill hq
lr_wait_until 30 logged north 'status=stored' || {
	fed_daemon_start hq
	lr_wait_until 30 logged north 'status=stored' || lr_fail "north stored nothing"
}
fed_daemon_kill north
[ -n "${FED_PID_hq:-}" ] || fed_daemon_start hq
fed_daemon_start north
lr_wait_until 60 lead_count north 5 || lr_fail "north does not hold 5 leads"
lr_wait_until 30 flow_has nora new-lead "" 5 || lr_fail "nora was not offered 5 leads"
ids=()
for i in 1 2 3 4 5; do
	ids+=("$(flow_lead_id "fed-crash-$i@inquiry.test")") || exit 1
done
# Each exchange obeyed once: one lead at north per hq lead, one offer each.
python3 - "$(fed_leads north)" <<'PY' || lr_fail "an exchange was obeyed twice"
import json, sys
keys = [l["message_key"] for l in json.load(open(sys.argv[1])) if l["is_lead"]]
sys.exit(0 if len(keys) == len(set(keys)) == 5 else 1)
PY

# The store's truth: north offered each lead to nora exactly once.
nids=$(python3 -c 'import json,sys; print(*[l["id"] for l in json.load(open(sys.argv[1])) if l["is_lead"]])' "$(fed_leads north)")
[ "$(echo $nids | wc -w)" = 5 ] || lr_fail "north's leads: '$nids'"
for nid in $nids; do
	fed_cli north show --json "$nid" >"$LR_TMP/north-$nid.json" || lr_fail "show $nid at north failed"
	n=$(python3 "$FLOW_PY" events "$LR_TMP/north-$nid.json" | tr ' ' '\n' | grep -c '^notified$')
	[ "$n" = 1 ] || lr_fail "north notified lead $nid $n times"
done
# Mail is at least once: a SIGKILL after the relay's 250 and before the
# outbox records it sends the same stored message again (the same bytes,
# so the same Message-ID).  Nora has five distinct offers; a copy must have
# the body of the offer it repeats, byte for byte.
mapfile -t mails < <(flow_mails nora new-lead)
offers=()
declare -A seen=()
for f in "${mails[@]}"; do
	mid=$(grep -m1 -i '^Message-ID:' "$f") || lr_fail "$f has no Message-ID"
	if [ -n "${seen[$mid]:-}" ]; then
		cmp -s <(sed '1,/^$/d' "$f") <(sed '1,/^$/d' "${seen[$mid]}") ||
			lr_fail "two different offers share $mid"
		lr_log "offer sent twice after a kill (same message): $mid"
		continue
	fi
	seen[$mid]=$f
	offers+=("$f")
done
[ ${#offers[@]} = 5 ] || lr_fail "nora has ${#offers[@]} distinct offers, not 5 (${#mails[@]} mails)"
flow_reply "${offers[0]}" "nora@$FLOW_REPS" "ACCEPT"
lr_wait_until 30 logged north 'event=accepted' || lr_fail "north did not obey the first ACCEPT"
fed_daemon_kill north
fed_daemon_start north
for f in "${offers[@]:1}"; do
	flow_reply "$f" "nora@$FLOW_REPS" "ACCEPT"
done
# hq is killed while the statuses come in, once it obeyed two of them.
lr_wait_until 60 hq_accepted 2 || lr_fail "hq did not obey two ACCEPTs from north"
fed_daemon_kill hq
fed_daemon_start hq
for id in "${ids[@]}"; do
	flow_wait_lead "$id" 'lead["status"] == "accepted"' 60
	flow_check "$id" '[e["actor"] for e in lead["events"] if e["type"] == "accepted"] == ["server:north"]'
	flow_check "$id" 'events.count("federated") == 1'
done
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
fed_daemon_stop north
fed_daemon_stop hq
lr_log "ok: 5 leads through SIGKILLs of hq (twice) and north (twice), each obeyed once"
