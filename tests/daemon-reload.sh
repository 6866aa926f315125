#!/bin/bash
# daemon-reload.sh - SIGHUP reloads the configuration whole: a file that
# does not check keeps the running one (and the log says why), a good one
# is used from the next lead on, with its field aliases and relay, and the
# log names what needs a restart (listen); and timers live in the queue: a deadline
# that passed while the daemon was down fires as soon as it is back.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
: "${SMTP_SOURCE:=$(command -v smtp-source || echo /usr/sbin/smtp-source)}"
: "${SMTP_SINK:=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)}"
[ -x "$SMTP_SOURCE" ] || lr_skip "smtp-source not found"
lr_tmpdir daemon-reload
lr_private_tree
bin=$LR_TREE_BIN
# Started as root, leadrouted drops to server.user (nobody), who owns the folder.
[ "$(id -u)" = 0 ] && chown nobody: "$LR_TMP"
conf=$LR_TMP/leadroute.conf
relay=$(lr_free_port)

# write_conf WHO - everything goes to user WHO; deadlines of 2 s.
write_conf() {
	cat >"$conf" <<EOC
server: { name = "t"; domain = "leads.test"; listen = ["unix:$LR_TMP/lmtp"];
  home = "$LR_TMP/home"; smtp = "smtp://127.0.0.1:$relay"; from = "Desk <desk@leads.test>";
  templates = "$LR_TREE_TEMPLATES"; user = "nobody"; };
users = ( { id = "dana"; name = "Dana"; email = "dana@x.test"; role = "admin"; manages = ["anna", "ben"]; },
          { id = "anna"; name = "Anna"; email = "anna@x.test"; },
          { id = "ben"; name = "Ben"; email = "ben@x.test"; } );
rules = ( { name = "all"; route = "$1"; } );
workflow: { accept_within = "2s"; remind_after = "0s"; };
EOC
}

start() {
	lr_daemon_start "$LR_TMP/leadrouted.log" "unix:$LR_TMP/lmtp" 20 \
		"$bin/leadrouted" -f -c "$conf" || { cat "$LR_TMP/leadrouted.log"; lr_fail "no start"; }
}

# deliver N - lead number N over LMTP; prints nothing.
deliver() {
	printf 'From: C%s <c%s@example.org>\nTo: leads@leads.test\nSubject: q%s\nMessage-ID: <rl-%s@example.org>\n\nPlease call.\n' \
		"$1" "$1" "$1" "$1" >"$LR_TMP/m.eml"
	"$SMTP_SOURCE" -L -F "$LR_TMP/m.eml" -f f@example.org -t leads@leads.test "unix:$LR_TMP/lmtp" ||
		lr_fail "delivery $1 failed"
}

# assignee KEY - the assignees of the lead with Message-ID KEY.
assignee() {
	"$bin/leadroute" list -c "$LR_TMP/cli.conf" --json | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l["message_key"] == sys.argv[1]:
        print(",".join(l["assignees"]) or "-")' "$1"
}

poll() { # poll KEY WHO
	for _ in $(seq 200); do
		[ "$(assignee "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "lead $1: assignee $(assignee "$1"), want $2"
	return 1
}

write_conf anna
cp "$conf" "$LR_TMP/cli.conf"	# the CLI reads the server group of a good copy
start
deliver 1
poll rl-1@example.org anna || lr_fail "lead 1 not offered to anna"

# A configuration that does not check: refused, the old one keeps running.
printf 'rules = ( { name = "broken"; route = "nobody-here"; } );\n' >>"$conf"
kill -HUP "$LR_DAEMON_PID"
lr_wait_until 10 grep -q "reload refused" "$LR_TMP/leadrouted.log" ||
	lr_fail "a broken configuration was not refused in the log"
deliver 2
poll rl-2@example.org anna || lr_fail "lead 2 not routed by the running configuration"

# A good one: used from the next lead on.
write_conf ben
kill -HUP "$LR_DAEMON_PID"
lr_wait_until 10 grep -q "configuration reloaded" "$LR_TMP/leadrouted.log" ||
	lr_fail "a good configuration was not reloaded"
deliver 3
poll rl-3@example.org ben || lr_fail "lead 3 not routed by the reloaded configuration"

# A reload applies the field aliases and the relay (a new sender), and
# names the keys that need a restart (listen) instead of claiming them.
relay2=$(lr_free_port)
[ -x "$SMTP_SINK" ] || lr_fail "smtp-sink not found: the relay change cannot be tested"
mkdir -p "$LR_TMP/sink" && chmod 0777 "$LR_TMP/sink"
sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
"$SMTP_SINK" "${sink_user[@]}" -d "$LR_TMP/sink/%M." "127.0.0.1:$relay2" 16 >/dev/null 2>&1 &
sink_pid=$!
lr_on_exit "lr_kill_child $sink_pid 5"
lr_wait_tcp 127.0.0.1 "$relay2" 10 || lr_fail "smtp-sink did not start"
write_conf ben
sed -i "s|smtp://127.0.0.1:$relay|smtp://127.0.0.1:$relay2|; s|listen = \[\"unix:$LR_TMP/lmtp\"\]|listen = [\"unix:$LR_TMP/lmtp\", \"unix:$LR_TMP/lmtp2\"]|" "$conf"
printf 'fields: { aliases = { budget = ["Geplantes Budget"]; }; };\n' >>"$conf"
grep -q lmtp2 "$conf" || lr_fail "could not change listen"
kill -HUP "$LR_DAEMON_PID"
lr_wait_until 10 grep -q "reload: server settings applied: smtp" "$LR_TMP/leadrouted.log" ||
	{ cat "$LR_TMP/leadrouted.log"; lr_fail "the relay change was not applied by the reload"; }
grep -q "reload: server listen changed and needs a restart" "$LR_TMP/leadrouted.log" ||
	{ cat "$LR_TMP/leadrouted.log"; lr_fail "the listen change was not named as needing a restart"; }
printf 'From: C4 <c4@example.org>\nTo: leads@leads.test\nSubject: q4\nMessage-ID: <rl-4@example.org>\n\nName: C Four\nGeplantes Budget: 10k\n\nPlease call.\n' >"$LR_TMP/m.eml"
"$SMTP_SOURCE" -L -F "$LR_TMP/m.eml" -f f@example.org -t leads@leads.test "unix:$LR_TMP/lmtp" ||
	lr_fail "delivery 4 failed"
poll rl-4@example.org ben || lr_fail "lead 4 not routed to ben"
id4=$("$bin/leadroute" list -c "$LR_TMP/cli.conf" --json | python3 -c '
import json, sys
print([l["id"] for l in json.load(sys.stdin) if l["message_key"] == "rl-4@example.org"][0])')
"$bin/leadroute" show -c "$LR_TMP/cli.conf" --json "$id4" | python3 -c '
import json, sys
lead = json.load(sys.stdin)
fields = lead.get("fields", {})
if isinstance(fields, list):
    fields = {f["name"]: f["value"] for f in fields}
assert fields.get("budget") == "10k", fields
' || lr_fail "lead 4: the reloaded field alias was not applied"
lr_wait_until 20 sh -c "grep -l 'rl-4@example.org\|q4' '$LR_TMP'/sink/* >/dev/null 2>&1" ||
	lr_fail "no notification of lead 4 reached the reloaded relay (port $relay2)"
[ -S "$LR_TMP/lmtp2" ] && lr_fail "a listen change took effect without a restart"

# The daemon is down when ben's 2 s deadline passes: back up, the timer
# fires at once and the lead goes on (ben rejected it by silence: to his
# manager, the admin).
lr_kill_pid "$LR_DAEMON_PID" 20 || lr_fail "leadrouted did not stop"
sleep 3
start
poll rl-3@example.org dana || lr_fail "the overdue deadline did not fire after the restart"
id=$("$bin/leadroute" list -c "$LR_TMP/cli.conf" --json | python3 -c '
import json, sys
print([l["id"] for l in json.load(sys.stdin) if l["message_key"] == "rl-3@example.org"][0])')
"$bin/leadroute" show -c "$LR_TMP/cli.conf" --json "$id" | python3 -c '
import json, sys
types = [e["type"] for e in json.load(sys.stdin)["events"]]
print(types)
assert "timeout" in types, types
assert types.index("timeout") > types.index("routed"), types
' || lr_fail "lead 3 history does not show the timeout"
echo "PASS: reload refused and applied; overdue deadline fired after a restart"
