#!/bin/bash
# flow-leaks.sh - what strangers and users must not get past, through a
# private Postfix and a running leadrouted:
#   1. a user's rule file (users/anna.conf) attaches a document from the
#      admin's server.documents folder, but `check` refuses one outside it
#      (a symlink out of docs/, "..", an absolute path) and an @include out
#      of her folder, each with file:line; her `workflow: { withhold = []; }`
#      does not lift the admin's withholding;
#   2. the withheld phone and e-mail appear nowhere in the raw bytes (nor in
#      the decoded headers, text, HTML and table rows) of the offer at the
#      rep's mailbox, although the inquiry repeats them in its Subject, its
#      message text, a Mobile field written another way and a table row;
#      after ACCEPT they do;
#   3. ESC sequences in the inquiry's name and subject reach `leadroute
#      show` and `list` escaped (\x1b), never as the raw byte; JSON output
#      carries them as \u001b.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-leaks
lr=$LR_TMP/lr
mkdir -p "$lr/docs" "$lr/users"
echo "ACME brochure: pumps for every site." >"$lr/docs/brochure.txt"
printf 'email,tier\nEve.Lead@Leak.example,gold\n' >"$lr/crm.csv"
ln -s "$FLOW_HOME/secret" "$lr/docs/link.txt"
flow_user anna "rules = \"users/anna.conf\";"
anna_rules() {
	cat >"$lr/users/anna.conf" <<EOF2
# Anna's own rules: a brochure, and an attempt to show the phone.
$2
rules = ( { name = "mine"; attach = { file = "$1"; }; } );
workflow: { withhold = []; };
EOF2
	chown -R nobody: "$lr"
}

# 1. What anna's file may not attach or include: check says where.
flow_check_refuses() {
	local what=$1 want=$2 out
	out=$(flow_cli check -c "$FLOW_CONF" 2>&1) && lr_fail "$what: check accepts it"
	grep -q "^users/anna.conf:$want" <<<"$out" || grep -q "/users/anna.conf:$want" <<<"$out" ||
		lr_fail "$what: check says: $out"
	lr_log "ok: check refuses $what"
}
anna_rules docs/brochure.txt ""
flow_config '{ name = "all"; route = "anna"; }' \
	'accept_within = "1h"; withhold = ["phone", "email"];' 'documents = ["docs/"];'
# The table row attached: keyed on the withheld e-mail.
sed -i -e 's|^users = (|tables = ( { name = "crm"; file = "crm.csv"; key = "email"; } );\nusers = (|' \
	-e 's|route = "anna"; }|route = "anna"; attach = { table = "crm"; key = "email"; }; }|' \
	"$FLOW_CONF"
flow_cli check -c "$FLOW_CONF" >/dev/null || lr_fail "the good configuration: $(flow_cli check -c "$FLOW_CONF")"
good=$(cat "$lr/users/anna.conf")
# The secret must exist for the symlink to point at something readable.
head -c 32 /dev/urandom >"$FLOW_HOME/secret" && chmod 600 "$FLOW_HOME/secret" &&
	chown nobody: "$FLOW_HOME/secret"
anna_rules docs/link.txt ""
flow_check_refuses "a symlink out of docs/" "3: user 'anna': attach: docs/link.txt is not inside"
anna_rules docs/../home/secret ""
flow_check_refuses "docs/../home/secret" "3: user 'anna': attach: docs/../home/secret is not inside"
anna_rules /etc/passwd ""
flow_check_refuses "an absolute path" "3: user 'anna': attach: /etc/passwd is not inside"
anna_rules docs/brochure.txt '@include "../leadroute.conf"'
flow_check_refuses "an @include out of her folder" "2: a user's rule file may @include only"
printf '%s\n' "$good" >"$lr/users/anna.conf"
flow_cli check -c "$FLOW_CONF" >/dev/null || lr_fail "anna's good file no longer checks"

flow_start
esc=$'\033'
inquiry=$LR_TMP/inquiry.eml
{
	printf 'From: Eve Lead <eve.lead@leak.example>\r\nTo: leads+website@%s\r\n' "$FLOW_DOMAIN"
	printf 'Subject: Call back +49 89 5550 1234 %s[2J%s]0;pwned\a now\r\n' "$esc" "$esc"
	printf 'Date: Mon, 23 Nov 2026 08:15:00 +0100\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	printf 'Name: Eve %s[31mRed%s[0m Lead\r\nEmail: Eve.Lead@Leak.example\r\n' "$esc" "$esc"
	printf 'Phone: +49 89 5550 1234\r\nMobile: 089/5550-1234\r\nCompany: Leak GmbH\r\n'
	printf 'Product: Pumps\r\nMessage: Ring 0049 89 55501234 or write to EVE.LEAD@LEAK.EXAMPLE.\r\n'
} >"$inquiry"
flow_inject "$inquiry" leaks-1@inquiry.test
id=$(flow_lead_id leaks-1@inquiry.test) || exit 1
offer=$(flow_wait_mail anna new-lead "$id") || exit 1

# has_values FILE - true when the phone (by its digits) or the e-mail (any
# case) is in FILE's raw bytes or in its decoded form.
has_values() {
	local raw decoded
	raw=$(cat "$1")
	decoded=$(python3 "$FLOW_PY" decoded "$1") || lr_fail "cannot decode $1"
	for t in "$raw" "$decoded"; do
		tr -cd '0-9' <<<"$t" | grep -q 55501234 && return 0
		grep -qi 'eve\.lead@leak' <<<"$t" && return 0
	done
	return 1
}
decoded=$(python3 "$FLOW_PY" decoded "$offer")
has_values "$offer" && lr_fail "the offer shows a withheld value: $decoded"
grep -q 'attachment brochure.txt\|text/plain brochure.txt' <<<"$decoded" ||
	lr_fail "the offer lacks anna's brochure: $decoded"
grep -q 'ACME brochure' <<<"$decoded" || lr_fail "the brochure is empty: $decoded"
grep -q 'tier: gold' <<<"$decoded" || lr_fail "the offer lacks the table row: $decoded"
grep -q 'Leak GmbH' <<<"$decoded" || lr_fail "the offer lacks the company: $decoded"
lr_log "ok: no withheld value in the offer (raw or decoded); brochure and row attached"

# 3. Control characters in show and list.
out=$(flow_cli show -c "$FLOW_CONF" "$id")
grep -q "$esc" <<<"$out" && lr_fail "show prints a raw ESC"
grep -qF 'Eve \x1b[31mRed\x1b[0m Lead' <<<"$out" || lr_fail "show: $out"
out=$(flow_cli list -c "$FLOW_CONF")
grep -q "$esc" <<<"$out" && lr_fail "list prints a raw ESC"
grep -qF '\x1b[31mRed' <<<"$out" || lr_fail "list: $out"
out=$(flow_cli show -c "$FLOW_CONF" --json "$id")
grep -q "$esc" <<<"$out" && lr_fail "show --json prints a raw ESC"
grep -qF '\u001b[31mRed' <<<"$out" || lr_fail "show --json: $out"
lr_log "ok: ESC escaped in show, list and show --json"

# After ACCEPT the values show.
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT"
flow_wait_lead "$id" 'lead["status"] == "accepted"'
accepted=$(flow_wait_mail anna accepted "$id") || exit 1
has_values "$accepted" || lr_fail "the accepted mail hides the values"
grep -qF '+49 89 5550 1234' "$accepted" || lr_fail "the raw accepted mail lacks the phone"
grep -qF 'Eve.Lead@Leak.example' "$accepted" || lr_fail "the raw accepted mail lacks the e-mail"
flow_daemon_stop
lr_log "ok: after ACCEPT the phone and e-mail show in the raw mail"
