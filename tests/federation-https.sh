#!/bin/bash
# federation-https.sh - `deliver = "https://..."` through the outbox: hq
# routes leads to two partners with web endpoints, served by a real HTTPS
# server on loopback (tests/lib/https-sink.py, a certificate this test
# makes, given to hq as the servers' ca_file).  (1) north's endpoint is
# down at first: hq's outbox retries it with its back-off, and once the
# server is up the lead exchange is POSTed once, with the document and the
# signature header a mail would carry (the MAC verified here with the
# shared secret).  (2) west's endpoint answers 400: no retry, a
# delivery-failed event from server:west, and the lead is routed on at hq
# to its own rep anna, skipping west.  (3) south's endpoint takes the POST
# and never answers (hq waits up to its 300 s timeout): a lead for anna
# meanwhile is mailed to her within 20 s all the same (mail and POSTs are
# sent by threads of their own), and a stop ends the held POST (deferred)
# instead of waiting for it.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"
. "$LR_SRCDIR/tests/lib/fed.sh"

lr_need_cmd openssl
fed_init federation-https
fed_secret hq north
fed_secret hq west
fed_secret hq south
fed_user hq anna
sink=$LR_TMP/sink
mkdir -p "$sink" && chmod 0755 "$LR_TMP" "$sink"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$sink/key.pem" -out "$sink/cert.pem" \
	-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 ||
	lr_fail "openssl could not make a certificate"
chmod 0644 "$sink/cert.pem"
port=$(lr_free_port)
fed_config hq '{ name = "south"; when = "source == '"'south'"'";
	         route = { to = ["server:south", "anna"]; strategy = "first"; }; },
	       { name = "local"; when = "source == '"'local'"'"; route = "anna"; },
	       { name = "west"; when = "source == '"'west'"'";
	         route = { to = ["server:west", "anna"]; strategy = "first"; }; },
	       { name = "dealers"; route = { to = ["server:north", "anna"]; strategy = "first"; }; }' \
	'accept_within = "1h";' \
	"{ id = \"north\"; deliver = \"https://127.0.0.1:$port/ok\"; ca_file = \"$sink/cert.pem\";
	   secret_file = \"$FED_SECRET_hq_north\"; },
	 { id = \"west\"; deliver = \"https://127.0.0.1:$port/reject\"; ca_file = \"$sink/cert.pem\";
	   secret_file = \"$FED_SECRET_hq_west\"; },
	 { id = \"south\"; deliver = \"https://127.0.0.1:$port/hold\"; ca_file = \"$sink/cert.pem\";
	   secret_file = \"$FED_SECRET_hq_south\"; }"
fed_start

# requests - how many POSTs the sink has stored.
requests() {
	find "$sink" -name '*.req' | wc -l
}
# deferred N - hq's log has N deferred tries to north's URL.
deferred() {
	[ "$(grep -c "to=<https://127.0.0.1:$port/ok> status=deferred" "$FLOW_LOG.new")" -ge "$1" ]
}
sink_pid=
sink_stop() {
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null
	sink_pid=
}
lr_on_exit sink_stop

# (1) north is down: retried from the outbox, then POSTed once.
inquiry=$LR_SRCDIR/examples/inquiries/contact-form.eml
flow_inject "$inquiry" fed-https-1@inquiry.test
id=$(flow_lead_id fed-https-1@inquiry.test) || exit 1
flow_check "$id" 'lead["status"] == "federated" and lead["assignees"] == ["server:north"]'
lr_wait_until 30 deferred 2 || lr_fail "hq did not retry north's endpoint"
grep -q "to=<https://127.0.0.1:$port/ok> status=deferred attempts=1 .*why=.*127.0.0.1" "$FLOW_LOG.new" ||
	lr_fail "the first deferral does not say why: $(grep "status=deferred" "$FLOW_LOG.new")"
python3 "$LR_SRCDIR/tests/lib/https-sink.py" "$sink/cert.pem" "$sink/key.pem" "$sink" "$port" \
	>"$LR_TMP/sink.out" 2>&1 &
sink_pid=$!
lr_wait_until 60 test -s "$sink/1.req" || lr_fail "north's endpoint got no POST"
python3 - "$sink/1.req" "$FED_SECRET_hq_north" "$id" <<'PY' || lr_fail "the POST to north is not the signed lead exchange"
import hashlib, hmac, re, sys
raw = open(sys.argv[1], "rb").read()
head, body = raw.split(b"\r\n\r\n", 1)
lines = head.decode().split("\r\n")
assert lines[0] == "POST /ok HTTP/1.1", lines[0]
hdr = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
assert hdr["content-type"] == "application/vnd.leadroute+xml", hdr
assert hdr["x-leadroute-exchange"] == "lead lead.hq.%s.1" % sys.argv[3], hdr
assert "ca-file" not in hdr, hdr
sig = dict(p.strip().split("=", 1) for p in hdr["x-leadroute-signature"].split(";"))
assert sig["peer"] == "hq", sig
key = open(sys.argv[2], "rb").read().rstrip()
msg = b"leadroute-exchange-v1\n%s\nhq\n" % sig["t"].encode() + body
assert hmac.compare_digest(hmac.new(key, msg, hashlib.sha256).hexdigest(), sig["v1"]), "MAC"
assert body.startswith(b"<?xml"), body[:40]
assert b'id="lead.hq.%s.1" from="hq" to="north"' % sys.argv[3].encode() in body, body[:200]
assert b'<lead origin-server="hq" origin-lead="%s" assignment="1">' % sys.argv[3].encode() in body, body[:300]
assert re.search(rb"<fields><field ", body), body[:400]
PY
grep -q "to=<https://127.0.0.1:$port/ok> status=sent" "$FLOW_LOG.new" ||
	lr_fail "hq did not log the POST as sent"
flow_check "$id" 'lead["status"] == "federated" and lead["assignees"] == ["server:north"]'
flow_check "$id" 'events.count("exchange-sent") == 1 and "delivery-failed" not in events'

# (2) west answers 400: failed for good, routed on to anna, never retried.
flow_inject "$inquiry" fed-https-2@inquiry.test west
id2=$(flow_lead_id fed-https-2@inquiry.test) || exit 1
flow_wait_lead "$id2" 'lead["status"] == "offered" and lead["assignees"] == ["anna"]'
flow_check "$id2" '[e["actor"] for e in lead["events"] if e["type"] == "delivery-failed"] == ["server:west"]'
flow_check "$id2" 'any("HTTP 400" in (e["detail"] or "") for e in lead["events"] if e["type"] == "delivery-failed")'
flow_check "$id2" 'events.index("federated") < events.index("delivery-failed")'
flow_wait_mail anna new-lead "$id2" >/dev/null || exit 1
head -1 "$sink/2.req" | grep -q '^POST /reject HTTP/1.1' || lr_fail "west's endpoint got no POST"
grep -q "x-leadroute-signature: t=[0-9]*; peer=hq; v1=[0-9a-f]\{64\}" -i "$sink/2.req" ||
	lr_fail "the POST to west is not signed"

# Each exchange was POSTed once: nothing more after a few retry periods.
sleep 3
[ "$(requests)" = 2 ] || lr_fail "the endpoints got $(requests) POSTs, not 2"

# (3) south holds its POST open; anna's mail does not wait for it.
# held - south's endpoint has the POST.
held() {
	grep -lq '^POST /hold ' "$sink"/*.req 2>/dev/null
}
flow_inject "$inquiry" fed-https-3@inquiry.test south
id3=$(flow_lead_id fed-https-3@inquiry.test) || exit 1
lr_wait_until 30 held || lr_fail "south's endpoint got no POST"
flow_inject "$inquiry" fed-https-4@inquiry.test local
id4=$(flow_lead_id fed-https-4@inquiry.test) || exit 1
flow_wait_mail anna new-lead "$id4" 1 20 >/dev/null || exit 1
! grep -q "to=<https://127.0.0.1:$port/hold> status=" "$FLOW_LOG.new" ||
	lr_fail "south's POST ended before anna's mail was checked: $(grep "/hold> status=" "$FLOW_LOG.new")"
flow_check "$id3" 'lead["status"] == "federated" and lead["assignees"] == ["server:south"]'
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
# A stop does not wait out the held POST: it ends it, and south's item
# stays in the outbox (deferred) for the next start.
t0=$SECONDS
fed_daemon_stop hq
[ $((SECONDS - t0)) -le 10 ] || lr_fail "hq took $((SECONDS - t0)) s to stop with a POST held"
grep -q "to=<https://127.0.0.1:$port/hold> status=deferred" "$FLOW_LOG" ||
	lr_fail "the held POST was not deferred at the stop: $(grep "/hold>" "$FLOW_LOG")"
sink_stop
lr_log "ok: https deliver retried while down then POSTed once (signed); 400 -> re-routed to anna; a held POST holds up neither mail nor a stop"
