#!/bin/bash
# deadline-hours.sh - accept_within counts the assignee's working hours:
# a lead offered five minutes before the end of the day must be accepted
# five minutes into the next working day, not overnight.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
: "${SMTP_SOURCE:=$(command -v smtp-source || echo /usr/sbin/smtp-source)}"
[ -x "$SMTP_SOURCE" ] || lr_skip "smtp-source not found"
lr_tmpdir deadline-hours
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
users = ( { id = "dana"; name = "Dana"; email = "dana@x.test"; role = "admin"; manages = ["anna"]; },
          { id = "anna"; name = "Anna"; email = "anna@x.test"; hours = "Mon-Fri 09:00-17:00 UTC"; } );
rules = ( { name = "all"; route = "anna"; } );
workflow: { accept_within = "10m"; remind_after = "0s"; };
EOC
# Tuesday 16:55 UTC: five minutes of Anna's day left.
export LEADROUTED_TEST_TIME=2026-11-17T16:55:00Z
lr_daemon_start "$LR_TMP/leadrouted.log" "unix:$LR_TMP/lmtp" 20 \
	"$bin/leadrouted" -f -c "$conf" || { cat "$LR_TMP/leadrouted.log"; lr_fail "no start"; }
printf 'From: C <c@example.org>\nTo: leads@leads.test\nSubject: q\nMessage-ID: <dh-1@example.org>\n\nPlease call.\n' >"$LR_TMP/m.eml"
"$SMTP_SOURCE" -L -F "$LR_TMP/m.eml" -f f@example.org -t leads@leads.test "unix:$LR_TMP/lmtp" ||
	lr_fail "delivery failed"
check() {
	"$bin/leadroute" show -c "$conf" --json 1 | python3 -c '
import json, sys
from datetime import datetime
lead = json.load(sys.stdin)
assert lead["assignees"] == ["anna"], lead["assignees"]
d = datetime.strptime(lead["deadline"], "%Y-%m-%dT%H:%M:%SZ")
want = datetime(2026, 11, 18, 9, 5, 0)
print("deadline", lead["deadline"])
assert abs((d - want).total_seconds()) <= 60, (lead["deadline"], "want about 2026-11-18T09:05:00Z")'
}
lr_wait_until 20 check >/dev/null 2>&1 || { check; lr_fail "the deadline ignores working hours"; }
check
echo "PASS: the deadline counts only Anna's working hours"
