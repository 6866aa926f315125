#!/bin/bash
# fidelity-intake.sh - the mail-fidelity cases (issue 14: charsets, question
# labels, label/value rows, contact blocks, vCards) delivered over LMTP to a
# running leadrouted are stored with the fields `leadroute parse --json`
# finds in them: the intake and the parse command run the same parser.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
cases=$LR_SRCDIR/tests/parser
: "${SMTP_SOURCE:=$(command -v smtp-source || echo /usr/sbin/smtp-source)}"
[ -x "$SMTP_SOURCE" ] || lr_fail "smtp-source not found (Postfix's test tools are needed)"
lr_tmpdir fidelity-intake
# The daemon and the CLI run from private copies; as root, as nobody (the
# daemon drops to server.user), who owns the folder and the store.
lr_private_tree
bin=$LR_TREE_BIN
as=()
if [ "$(id -u)" = 0 ]; then
	chown nobody: "$LR_TMP"
	as=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
fi
# cli - leadroute as the daemon's account.
cli() {
	"${as[@]}" "$bin/leadroute" "$@"
}
export LEADROUTED_TEST_TIME=2026-12-01T11:00:00Z

mkdir -p "$LR_TMP/conf"
cp -r "$LR_SRCDIR/examples/." "$LR_TMP/conf/"
chmod -R u+w "$LR_TMP/conf"
relay=$(lr_free_port)
sed -i -e "s|^  listen = .*|  listen = [\"unix:$LR_TMP/lmtp\"];|" \
	-e "s|^  home = .*|  home = \"$LR_TMP/home\";|" \
	-e "s|^  smtp = .*|  smtp = \"smtp://127.0.0.1:$relay\";|" \
	-e "s|^  secret_file = .*|  secret_file = \"$LR_TMP/secret\"; templates = \"$LR_TREE_TEMPLATES\";|" \
	-e "s|^  user = .*|  user = \"nobody\";|" \
	"$LR_TMP/conf/leadroute.conf"
head -c 32 /dev/urandom >"$LR_TMP/secret"
chmod 600 "$LR_TMP/secret"
[ "$(id -u)" = 0 ] && chown nobody: "$LR_TMP/secret"
conf=$LR_TMP/conf/leadroute.conf
cli check -c "$conf" || lr_fail "the test copy of the example does not check"
lr_daemon_start "$LR_TMP/leadrouted.log" "unix:$LR_TMP/lmtp" 20 \
	"$bin/leadrouted" -f -c "$conf" || {
	cat "$LR_TMP/leadrouted.log"
	lr_fail "leadrouted did not start"
}

# count - the number of leads stored.
count() {
	cli list -c "$conf" --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# grown - true when a lead came in since $before was counted.
grown() {
	[ "$(count)" -gt "$before" ]
}

names="charset-iso2022jp-7bit charset-hz-7bit charset-utf7-7bit charset-big5-8bit
	charset-unknown-note question-typeform-text question-german question-google-forms-html
	rows-hubspot rows-marketo-strong-values rows-salesforce-w2l sig-head-of-company
	sig-m-t-prefixes vcard-21-qp-latin1 vcard-30-attached"
rcpt=leads@acme-labs.example
: >"$LR_TMP/pairs"
for name in $names; do
	eml=$cases/$name.eml
	[ -f "$eml" ] || lr_fail "missing case $eml"
	before=$(count)
	"$SMTP_SOURCE" -L -F "$eml" -f forms@acme.example -t "$rcpt" "unix:$LR_TMP/lmtp" ||
		lr_fail "smtp-source failed on $name"
	lr_wait_until 20 grown || lr_fail "$name: no lead stored after 20 s"
	id=$(cli list -c "$conf" --json |
		python3 -c 'import json, sys; print(max(json.load(sys.stdin), key=lambda l: l["id"])["id"])')
	cli show -c "$conf" --json "$id" >"$LR_TMP/$name.show.json" ||
		lr_fail "$name: show $id failed"
	# parse touches no store: as root, it reads the cases of the clone.
	"$bin/leadroute" parse -c "$conf" -r "$rcpt" --json "$eml" >"$LR_TMP/$name.parse.json" ||
		lr_fail "$name: parse failed"
	echo "$name $id" >>"$LR_TMP/pairs"
done
python3 - "$LR_TMP" <<'PY' || lr_fail "the daemon's intake stored other fields than parse --json found"
import json, os, sys
tmp = sys.argv[1]
bad = 0
for line in open(os.path.join(tmp, "pairs")):
    name, lead_id = line.split()
    parsed = json.load(open(os.path.join(tmp, name + ".parse.json")))
    shown = json.load(open(os.path.join(tmp, name + ".show.json")))
    fields = parsed.get("fields", {})
    stored = shown.get("fields", {})
    if not parsed.get("is_lead") or len(fields) < 4:
        print("FAIL %s: parse found no lead worth the name: %s" % (name, parsed)); bad += 1
        continue
    diff = {k: (v, stored.get(k)) for k, v in fields.items()
            if k not in ("subject", "source") and stored.get(k) != v}
    if diff:
        print("FAIL %s (lead %s): parse vs stored %s" % (name, lead_id, diff)); bad += 1
    else:
        print("ok %s: lead %s has the %d fields parse found" % (name, lead_id, len(fields)))
sys.exit(1 if bad else 0)
PY
echo "PASS: $(wc -l <"$LR_TMP/pairs") fidelity cases stored as parse --json reads them"
