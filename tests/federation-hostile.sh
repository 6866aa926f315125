#!/bin/bash
# federation-hostile.sh - exchanges north must refuse, each delivered
# through the real Postfix to north's ordinary LMTP intake after one real
# lead came from hq: a replay of hq's exchange (new Message-ID), the same
# exchange with a tampered field, one signed with the wrong secret, one
# from an unknown peer, one signed by hq but addressed to another server,
# malformed XML, billion laughs and a 2 MB document (all three correctly
# signed), a signature two days old, and a status report about a lead
# north never sent to hq.  Each is stored as not-a-lead with the reason
# (intake has already said 250), and nothing else changes: one lead at
# north, one offer to its rep, hq's lead untouched.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"
. "$LR_SRCDIR/tests/lib/fed.sh"
FEDMAIL=$LR_SRCDIR/tests/lib/fedmail.py

fed_init federation-hostile
fed_peer north
fed_secret hq north
fed_user north nick 'role = "admin";'
fed_user north nora
fed_config hq '{ name = "dealers"; route = "server:north"; }' 'accept_within = "1h";' \
	"{ id = \"north\"; deliver = \"mailto:fed@north.test\"; secret_file = \"$FED_SECRET_hq_north\"; }"
fed_config north '{ name = "all"; route = "nora"; }' 'accept_within = "1h";' \
	"{ id = \"hq\"; deliver = \"mailto:fed@leads.test\"; secret_file = \"$FED_SECRET_north_hq\"; }"
fed_start

flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" fed-hostile-1@inquiry.test
id=$(flow_lead_id fed-hostile-1@inquiry.test) || exit 1
offer=$(flow_wait_mail nora new-lead) || exit 1
nid=$(flow_lead_of "$offer")
fed_wait_lead hq "$id" '"partner-received" in events'
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
real=$(grep -l '^X-Leadroute-Exchange: lead ' $(fed_captured) | head -1)
[ -n "$real" ] || lr_fail "no lead exchange captured at the relay"
python3 "$FEDMAIL" xml "$real" >"$LR_TMP/real.xml" || exit 1
H=$LR_TMP/hostile
mkdir -p "$H"
wrong=$LR_TMP/wrong.secret
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$wrong"

# mk NAME XMLFILE [fedmail mail options] - a signed exchange mail.
mk() {
	local name=$1 xml=$2
	shift 2
	python3 "$FEDMAIL" mail --xml "$xml" --secret "$FED_SECRET_hq_north" --peer hq \
		--to fed@north.test --from desk@leads.test --msgid "hostile-$name@leads.test" \
		"$@" >"$H/$name.eml" || lr_fail "cannot write $name"
}
# doc NAME SED - the real document, edited, with a fresh exchange id.
doc() {
	sed -e "s/id=\"lead\.hq\.[0-9.]*\"/id=\"lead.hq.$1\"/" -e "$2" "$LR_TMP/real.xml" >"$H/$1.xml"
}

python3 "$FEDMAIL" remsgid "$real" hostile-replay@leads.test >"$H/replay.eml"
python3 "$FEDMAIL" xml "$real" | sed 's/<priority>[0-9-]*</<priority>99</' >"$H/tampered.xml"
cmp -s "$H/tampered.xml" "$LR_TMP/real.xml" && lr_fail "the tampered document is the real one"
sig=$(python3 "$FLOW_PY" header "$real" X-Leadroute-Signature)
mk tampered "$H/tampered.xml" --sig "$sig"
doc 101.1 's/origin-lead="[0-9]*"/origin-lead="101"/'
mk forged "$H/101.1.xml" --secret "$wrong"
mk unknown "$H/101.1.xml" --peer evil
doc 102.1 's/to="north"/to="west"/'
mk wrongpeer "$H/102.1.xml"
printf '<exchange xmlns="urn:leadroute:exchange:1" version="1" id="x"><lead' >"$H/malformed.xml"
mk malformed "$H/malformed.xml"
cat >"$H/laughs.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<exchange xmlns="urn:leadroute:exchange:1" version="1" id="lead.hq.103.1" from="hq" to="north"
 at="2027-01-01T00:00:00Z"><recall origin-server="hq" origin-lead="103" assignment="1">
<reason>&lol4;</reason></recall></exchange>
XML
mk laughs "$H/laughs.xml"
doc 104.1 's/origin-lead="[0-9]*"/origin-lead="104"/'
python3 - "$H/104.1.xml" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read().replace("</fields>", "<field name=\"pad\">" + "x" * (2 << 20) + "</field></fields>")
open(p, "w").write(t)
PY
mk oversize "$H/104.1.xml"
doc 105.1 's/origin-lead="[0-9]*"/origin-lead="105"/'
mk stale "$H/105.1.xml" --t $(($(date +%s) - 2 * 86400))
cat >"$H/status.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<exchange xmlns="urn:leadroute:exchange:1" version="1" id="status.hq.north.$nid.1.1" from="hq" to="north" at="2027-01-01T00:00:00Z"><status origin-server="north" origin-lead="$nid" assignment="1" event="won"><amount>999999</amount></status></exchange>
XML
mk status "$H/status.xml"

expect=(replay 'replayed exchange'
	tampered 'signature does not verify'
	forged 'signature does not verify'
	unknown 'unknown peer evil'
	wrongpeer 'exchange from hq to west'
	malformed 'not well-formed'
	laughs 'declares a DTD'
	oversize 'over 1048576 bytes'
	stale 'older than a day'
	status 'never sent to hq')
for ((i = 0; i < ${#expect[@]}; i += 2)); do
	name=${expect[i]}
	postfix_sendmail desk@leads.test fed@north.test <"$H/$name.eml" || lr_fail "sendmail $name"
done
# refused NAME WHY - north stored NAME's mail as not-a-lead with WHY.
refused() {
	local json
	json=$(fed_leads north) || return 1
	python3 - "$json" "$1" "$2" <<'PY'
import json, sys
leads = json.load(open(sys.argv[1]))
key = "hostile-%s@leads.test" % sys.argv[2]
hit = [l for l in leads if l.get("message_key") == key]
sys.exit(0 if hit and not hit[0]["is_lead"] and sys.argv[3] in (hit[0].get("reason") or "") else 1)
PY
}
for ((i = 0; i < ${#expect[@]}; i += 2)); do
	lr_wait_until 30 refused "${expect[i]}" "${expect[i + 1]}" ||
		lr_fail "north did not refuse ${expect[i]} with '${expect[i + 1]}': $(python3 -c '
import json, sys
for l in json.load(open(sys.argv[1])):
    print(l.get("message_key"), l.get("status"), l.get("reason"))' "$(fed_leads north)")"
done

# Nothing changed: one lead at north, offered once to nora; hq's untouched.
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
python3 - "$(fed_leads north)" <<'PY' || lr_fail "north has more than one lead"
import json, sys
leads = [l for l in json.load(open(sys.argv[1])) if l["is_lead"]]
sys.exit(0 if len(leads) == 1 else 1)
PY
fed_check north "$nid" 'lead["status"] == "offered" and lead["stage"] == "none"'
[ "$(flow_count nora new-lead)" = 1 ] || lr_fail "nora got $(flow_count nora new-lead) offers"
flow_check "$id" 'lead["status"] == "federated" and "recalled" not in events'
fed__vars north
grep -c 'federation exchange refused' "$F_LOG.new" | grep -qx 10 ||
	lr_fail "north logged $(grep -c 'exchange refused' "$F_LOG.new") refusals, not 10"
fed_daemon_stop north
fed_daemon_stop hq
lr_log "ok: 10 hostile exchanges refused at north, nothing changed"
