#!/bin/bash
# replay.sh - `leadroute replay` against the example deployment: leads of
# the corpus and some of our own are routed by a running leadrouted
# (notifications to an smtp-sink), then a copy of the configuration with
# one rule changed ("uk" routes to erik instead of fiona) is replayed:
#   - exactly the leads whose stored decision matched "uk" show as moved
#     (now to erik), every other lead as unchanged (round-robin and
#     least-loaded picks included), in the text and the JSON output, and
#     the totals add up;
#   - under the running configuration nothing moves;
#   - the store is byte for byte the same afterwards (no event, no outbox
#     mail, no log record), and no mail reached the relay;
#   - it works while the daemon runs; bad options exit 64.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
corpus=$(lr_corpus inquiries) || exit 1
: "${SMTP_SOURCE:=$(command -v smtp-source || echo /usr/sbin/smtp-source)}"
: "${SMTP_SINK:=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)}"
[ -x "$SMTP_SOURCE" ] || lr_fail "smtp-source not found (sh scripts/deps.sh)"
[ -x "$SMTP_SINK" ] || lr_fail "smtp-sink not found (sh scripts/deps.sh)"
lr_tmpdir replay
lr_private_tree
bin=$LR_TREE_BIN
# Decided on a Tuesday afternoon, inside everyone's working hours.
export LEADROUTED_TEST_TIME=2026-11-17T15:00:00Z
owner=$(id -un)
[ "$(id -u)" = 0 ] && owner=nobody

# The deployment: examples/ with its server group pointed at the test.
mkdir -p "$LR_TMP/conf" "$LR_TMP/sink"
cp -r "$LR_SRCDIR/examples/." "$LR_TMP/conf/"
chmod -R u+w "$LR_TMP/conf"
relay=$(lr_free_port) || lr_fail "no free port"
sed -i -e "s|^  listen = .*|  listen = [\"unix:$LR_TMP/lmtp\"];|" \
	-e "s|^  home = .*|  home = \"$LR_TMP/home\";\n  templates = \"$LR_TREE_TEMPLATES\";|" \
	-e "s|^  smtp = .*|  smtp = \"smtp://127.0.0.1:$relay\";|" \
	-e "s|^  secret_file = .*|  secret_file = \"$LR_TMP/secret\";|" \
	-e "s|^  user = .*|  user = \"$owner\";|" "$LR_TMP/conf/leadroute.conf"
head -c 32 /dev/urandom >"$LR_TMP/secret"
chmod 600 "$LR_TMP/secret"
conf=$LR_TMP/conf/leadroute.conf
# The changed copy beside it (the same users/, tables/ and docs/).
new=$LR_TMP/conf/new.conf
sed 's|^\(  { name = "uk"; .*route = \)"fiona"; }|\1"erik"; }|' "$conf" >"$new"
grep -q 'name = "uk".*route = "erik"' "$new" || lr_fail "the rule change did not apply"
[ "$(id -u)" = 0 ] && chown -R nobody: "$LR_TMP"

# as_owner CMD... - run as the store's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
	else
		"$@"
	fi
}
"$bin/leadroute" check -c "$new" >/dev/null || lr_fail "the changed copy does not check"

sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
"$SMTP_SINK" "${sink_user[@]}" -d "$LR_TMP/sink/%H%M%S." "127.0.0.1:$relay" 64 \
	>/dev/null 2>&1 &
sink=$!
lr_on_exit "lr_kill_child $sink 5"
lr_wait_tcp 127.0.0.1 "$relay" 10 || lr_fail "smtp-sink did not start"
mails() { find "$LR_TMP/sink" -type f | wc -l; }

lr_daemon_start "$LR_TMP/leadrouted.log" "unix:$LR_TMP/lmtp" 30 \
	"$bin/leadrouted" -f -c "$conf" || {
	cat "$LR_TMP/leadrouted.log"
	lr_fail "leadrouted did not start"
}

# deliver FILE TO - one message over LMTP.
deliver() {
	"$SMTP_SOURCE" -L -F "$1" -f forms@acme.example -t "$2" "unix:$LR_TMP/lmtp" ||
		lr_fail "smtp-source failed on $1"
}
# form N COUNTRY - a website form from COUNTRY.
form() {
	printf 'From: Website Forms <no-reply@forms.example>\nTo: leads+website@acme.example\n'
	printf 'Subject: Inquiry %s\nMessage-ID: <replay-%s@forms.example>\n\n' "$1" "$1"
	printf 'Name: Customer %s\nEmail: c%s@customer%s.example\nCountry: %s\n' "$1" "$1" "$1" "$2"
	printf 'Product: Pumps\nQuantity: 2\nMessage: Please call me.\n'
}
n=0
for eml in "$corpus"/*.eml; do
	grep -qx '!lead' "${eml%.eml}.expect" 2>/dev/null && continue
	deliver "$eml" leads@acme.example
	n=$((n + 1))
done
i=0
for country in "United Kingdom" Ireland Brazil Brazil Brazil Deutschland Deutschland \
	"United Kingdom"; do
	i=$((i + 1))
	form "$i" "$country" >"$LR_TMP/form.eml"
	deliver "$LR_TMP/form.eml" leads+website@acme.example
	n=$((n + 1))
done
routed() { ! as_owner "$bin/leadroute" list -c "$conf" --status new | grep -q '^[0-9]'; }
lr_wait_until 60 routed || lr_fail "leads still unrouted after 60 s"

# While the daemon runs: it works, and the running configuration moves nothing.
as_owner "$bin/leadroute" replay -c "$conf" --json >"$LR_TMP/running.json" 2>"$LR_TMP/err" ||
	lr_fail "replay under the running configuration: $(cat "$LR_TMP/err")"

# Every notification out, then the daemon stopped: the store at rest.
lr_wait_until 30 sh -c "[ \$(find '$LR_TMP/sink' -type f | wc -l) -ge $n ]" ||
	lr_fail "the notifications did not all reach the relay"
sleep 1
lr_kill_pid "$LR_DAEMON_PID" 30 || lr_fail "leadrouted did not stop"
before_mails=$(mails)
snapshot() {
	(cd "$LR_TMP/home" && find . -type f ! -name '__db.*' ! -name lock -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum)
}
snapshot >"$LR_TMP/before.sum"

as_owner "$bin/leadroute" replay -c "$new" >"$LR_TMP/replay.txt" 2>"$LR_TMP/err" ||
	lr_fail "replay: $(cat "$LR_TMP/err")"
as_owner "$bin/leadroute" replay -c "$new" --json >"$LR_TMP/replay.json" 2>"$LR_TMP/err" ||
	lr_fail "replay --json: $(cat "$LR_TMP/err")"
as_owner "$bin/leadroute" replay -c "$new" --since 2000-01-01 --until 30d \
	>"$LR_TMP/none.txt" 2>"$LR_TMP/err" || lr_fail "replay --until: $(cat "$LR_TMP/err")"
snapshot >"$LR_TMP/after.sum"
cmp -s "$LR_TMP/before.sum" "$LR_TMP/after.sum" || {
	diff "$LR_TMP/before.sum" "$LR_TMP/after.sum"
	lr_fail "replay changed the store"
}
[ "$(mails)" = "$before_mails" ] || lr_fail "replay sent mail to the relay"
grep -qx 'total: 0 leads: 0 moved, 0 reprioritised, 0 unchanged, 0 skipped' "$LR_TMP/none.txt" ||
	lr_fail "--until 30d (before every lead) replayed: $(tail -1 "$LR_TMP/none.txt")"

# A changed condition shows in the rules that differ: "europe" no longer
# takes DE, so the German leads fall through to "rest".
sed "s|country in \['DE', 'AT', 'CH', 'SE'|country in ['AT', 'CH', 'SE'|" "$conf" >"$LR_TMP/conf/de.conf"
as_owner "$bin/leadroute" replay -c "$LR_TMP/conf/de.conf" --json >"$LR_TMP/de.json" 2>"$LR_TMP/err" ||
	lr_fail "replay de.conf: $(cat "$LR_TMP/err")"
python3 - "$LR_TMP" "$n" <<'PY' || lr_fail "replay output wrong"
import json, re, sys
tmp, n = sys.argv[1], int(sys.argv[2])

# Under the running configuration nothing moves.
doc = json.load(open(tmp + "/running.json"))
t = doc["total"]
assert t["leads"] == n and t["unchanged"] == n, t
assert all(l["change"] == "unchanged" and l["rules_differ"] == [] for l in doc["leads"]), doc

# "uk" routes to erik: exactly its leads move, to erik.
doc = json.load(open(tmp + "/replay.json"))
text = open(tmp + "/replay.txt").read()
leads = doc["leads"]
assert len(leads) == n, len(leads)
moved = [l for l in leads if "uk" in l["then"]["rules"]]
assert len(moved) >= 3, "too few leads reached the uk rule: %r" % leads
for l in leads:
    if "uk" in l["then"]["rules"]:
        assert l["change"] == "moved", l
        assert l["now"]["assignees"] == ["erik"] and l["now"]["holders"] == ["erik"], l
        # The same rule matched; it routes elsewhere (fiona's rules are not read).
        assert not {"-uk", "+uk"} & set(l["rules_differ"]), l
        assert "uk" in l["now"]["rules"], l
    else:
        assert l["change"] == "unchanged", l
        assert l["now"] == l["then"], l
t = doc["total"]
assert (t["leads"], t["moved"], t["unchanged"], t["reprioritised"], t["skipped"]) == \
    (len(leads), len(moved), len(leads) - len(moved), 0, 0), t
# The text says the same, lead by lead.
said = dict(re.findall(r"^lead (\d+): (\w+)$", text, re.M))
assert said == {str(l["id"]): l["change"] for l in leads}, said
for l in moved:
    assert re.search(r"^lead %d: moved\n  then: .*\n  now:  erik \(via erik\)" % l["id"], text,
                     re.M), text
assert text.endswith("total: %d leads: %d moved, 0 reprioritised, %d unchanged, 0 skipped\n" %
                     (len(leads), len(moved), len(leads) - len(moved))), text
print("ok: %d leads replayed, exactly the %d of rule uk moved" % (len(leads), len(moved)))

# A changed condition shows in the rules that differ.
leads = json.load(open(tmp + "/de.json"))["leads"]
de = [l for l in leads if "europe" in l["then"]["rules"]]
assert len(de) >= 2, leads
for l in leads:
    if l in de:
        assert l["change"] == "moved" and "-europe" in l["rules_differ"] and \
            "+rest" in l["rules_differ"], l
    else:
        assert l["change"] == "unchanged", l
print("ok: %d German leads moved from rule europe to rest" % len(de))
PY
snapshot >"$LR_TMP/after.sum"
cmp -s "$LR_TMP/before.sum" "$LR_TMP/after.sum" || lr_fail "replay changed the store"

"$bin/leadroute" replay --bogus >/dev/null 2>"$LR_TMP/err"
[ $? = 64 ] && grep -q '^usage: leadroute replay' "$LR_TMP/err" || lr_fail "replay --bogus: not 64 with usage"
"$bin/leadroute" replay --since yesterday-ish >/dev/null 2>&1
[ $? = 64 ] || lr_fail "replay with a bad date: not 64"
echo "PASS: replay moved exactly the changed rule's leads; store and relay untouched"
