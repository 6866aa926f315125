#!/bin/bash
# undeliverable.sh - a notification the relay refuses for good (5xx) is
# not just dropped: the workflow marks the rep unreachable and the lead goes
# on at once, down to the admin, where it stays (no loop).
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
: "${SMTP_SOURCE:=$(command -v smtp-source || echo /usr/sbin/smtp-source)}"
: "${SMTP_SINK:=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)}"
[ -x "$SMTP_SOURCE" ] && [ -x "$SMTP_SINK" ] || lr_skip "smtp-source/smtp-sink not found"
lr_tmpdir undeliverable
lr_private_tree
bin=$LR_TREE_BIN
# Started as root, leadrouted drops to server.user (nobody), who owns the folder.
[ "$(id -u)" = 0 ] && chown nobody: "$LR_TMP"
conf=$LR_TMP/leadroute.conf
relay=$(lr_free_port)
cat >"$conf" <<EOC
server: { name = "t"; domain = "leads.test"; listen = ["unix:$LR_TMP/lmtp"];
  home = "$LR_TMP/home"; smtp = "smtp://127.0.0.1:$relay"; from = "Desk <desk@leads.test>";
  templates = "$LR_TREE_TEMPLATES"; user = "nobody"; };
users = ( { id = "dana"; name = "Dana"; email = "dana@x.test"; role = "admin"; manages = ["anna", "ben"]; },
          { id = "anna"; name = "Anna"; email = "anna@x.test"; },
          { id = "ben"; name = "Ben"; email = "ben@x.test"; } );
rules = ( { name = "reps"; route = { to = ["anna", "ben"]; strategy = "first"; }; } );
EOC
# A relay that refuses every recipient with 5xx.
user=()
[ "$(id -u)" = 0 ] && user=(-u nobody)
"$SMTP_SINK" "${user[@]}" -f RCPT "127.0.0.1:$relay" 16 &
sink=$!
lr_on_exit "kill $sink 2>/dev/null"
lr_wait_tcp 127.0.0.1 "$relay" 10 || lr_fail "smtp-sink did not start"
lr_daemon_start "$LR_TMP/leadrouted.log" "unix:$LR_TMP/lmtp" 20 \
	"$bin/leadrouted" -f -c "$conf" || { cat "$LR_TMP/leadrouted.log"; lr_fail "no start"; }
printf 'From: C <c@example.org>\nTo: leads@leads.test\nSubject: q\nMessage-ID: <un-1@example.org>\n\nPlease call.\n' >"$LR_TMP/m.eml"
"$SMTP_SOURCE" -L -F "$LR_TMP/m.eml" -f f@example.org -t leads@leads.test "unix:$LR_TMP/lmtp" ||
	lr_fail "delivery failed"
check() {
	"$bin/leadroute" show -c "$conf" --json 1 | python3 -c '
import json, sys
lead = json.load(sys.stdin)
ev = [(e["type"], e["actor"]) for e in lead["events"]]
away = [a for t, a in ev if t == "unavailable"]
assert away[:2] == ["anna", "ben"], ev
assert lead["assignees"] == ["dana"] and lead["status"] == "offered", (lead["assignees"], ev)
assert away.count("dana") <= 1 and len(away) <= 3, ev
print("events:", [t for t, a in ev])'
}
lr_wait_until 20 check 2>/dev/null || { check; lr_fail "the refused notifications did not move the lead on"; }
sleep 2
check >/dev/null || lr_fail "the lead moved on from the admin (loop)"
echo "PASS: refused notifications moved the lead from anna to ben to the admin, and it stayed"
