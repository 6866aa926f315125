#!/bin/bash
# source-reload.sh - SIGHUP reloads the mailbox sources, against a real
# Dovecot (IMAPS, the test CA) on loopback:
#   - sources a and c run; the file is changed to drop a, add b and give
#     c another recipient, and leadrouted gets SIGHUP: a's thread stops
#     (mail put into a afterwards stays there), b's starts (its mail becomes
#     leads), c restarts with the new recipient; no restart of the daemon;
#   - a file that does not check is refused on SIGHUP: the running sources
#     go on (mail put into b still becomes a lead);
#   - a SIGHUP with the sources unchanged leaves every thread running.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
. "$LR_SRCDIR/tests/lib/dovecot.sh"

for c in python3 openssl; do
	command -v "$c" >/dev/null || lr_fail "$c not installed (scripts/deps.sh)"
done
lr_tmpdir source-reload
T=$LR_TMP
lrd_init "$T/lr"
dovecot_tls_init "$T/dv"
for u in ua ub uc; do dovecot_user "$u" s3cret; done
chmod 0644 "$DV_DIR/passwd"
printf 's3cret\n' >"$T/lr/pw" && chmod 0600 "$T/lr/pw"
[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$T/lr/pw"
cp "$LRD_CONF" "$T/base.conf"

# put USER PREFIX COUNT - COUNT generated messages into USER's new/.
put() {
	local md=$(dovecot_maildir "$1") f i=0
	python3 "$LR_SRCDIR/tests/source-gen.py" "$(lr_corpus)" "$T/gen-$2" "$3" "$2" ||
		lr_fail "cannot generate messages"
	for f in "$T/gen-$2"/*.eml; do
		i=$((i + 1))
		mv "$f" "$md/tmp/$2-$i" && chown "$DV_MAIL_USER:" "$md/tmp/$2-$i" &&
			mv "$md/tmp/$2-$i" "$md/new/$((1700000000 + i)).M${i}P$$.$2.host" ||
			lr_fail "cannot deliver $f"
	done
}
# source ID USER RECIPIENT - one source entry.
source_entry() {
	printf '  { id = "%s"; url = "imaps://%s@127.0.0.1:%s/INBOX"; password_file = "pw";\n' \
		"$1" "$2" "$DV_IMAPS_PORT"
	printf '    ca_file = "%s"; after = "move:Processed"; idle = false; poll = "1s";\n' "$DV_CA"
	printf '    recipient = "%s"; },\n' "$3"
}
# conf ENTRIES... - the base configuration with these sources.
conf() {
	{ cat "$T/base.conf"; echo "sources = ("; printf '%s\n' "$@" | sed '$ s/},$/}/'; echo ");"; } \
		>"$LRD_CONF.new" && mv "$LRD_CONF.new" "$LRD_CONF"
	[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$LRD_CONF"
}
# stored ID [RCPT] - leads stored from source ID (to RCPT).
stored() {
	grep -c "source=$1 uid=.*to=<${2:-}.*status=stored" "$LRD_LOG"
}
hup() {
	local n
	n=$(grep -c "reload" "$LRD_LOG")
	kill -HUP "$LRD_PID" || lr_fail "cannot signal leadrouted"
	lr_wait_until 30 eval '[ "$(grep -c "reload" "$LRD_LOG")" -gt "$n" ]' || lr_fail "no reload logged"
	sleep 1
}

conf "$(source_entry a ua leads+a@acme.test)" "$(source_entry c uc leads+c1@acme.test)"
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check: $(cat "$T/check.out")"
put ua a1 3
put uc c1 3
dovecot_start
lrd_start || lr_fail "leadrouted did not start"
pid=$LRD_PID
lr_wait_until 60 eval '[ "$(stored a)" = 3 ] && [ "$(stored c leads+c1)" = 3 ]' ||
	lr_fail "before the reload: a $(stored a), c $(stored c) of 3 each"

# Drop a, add b, change c.
conf "$(source_entry b ub leads+b@acme.test)" "$(source_entry c uc leads+c2@acme.test)"
hup
grep -q "source=a stopping: removed by the reload" "$LRD_LOG" || lr_fail "a not stopped"
grep -q "source=c stopping: changed by the reload" "$LRD_LOG" || lr_fail "c not restarted"
grep -q "reload: sources: 2 started, 2 stopped, 0 unchanged" "$LRD_LOG" ||
	lr_fail "reload summary: $(grep 'reload: sources' "$LRD_LOG")"
put ua a2 2
put ub b2 2
put uc c2 2
lr_wait_until 60 eval '[ "$(stored b)" = 2 ] && [ "$(stored c leads+c2)" = 2 ]' ||
	lr_fail "after the reload: b $(stored b), c (new recipient) $(stored c leads+c2) of 2"
sleep 3
[ "$(stored a)" = 3 ] || lr_fail "the removed source a still fetches ($(stored a) leads)"
[ "$(dovecot_count ua)" = 2 ] || lr_fail "a's new mail did not stay in its INBOX"
[ "$LRD_PID" = "$pid" ] && lrd_alive || lr_fail "leadrouted restarted or died"
lr_log "reload: a stopped (2 left in its INBOX), b started, c now to leads+c2"

# A broken file changes nothing.
cp "$LRD_CONF" "$T/good.conf"
conf "$(source_entry b ub leads+b@acme.test)" '  { id = "d"; url = "imaps://ud@127.0.0.1:1/INBOX"; pasword_file = "pw"; },'
lrd_cli check >/dev/null 2>&1 && lr_fail "check passed a broken file"
hup
grep -q "reload refused, keeping the running configuration" "$LRD_LOG" || lr_fail "broken file not refused"
put ub b3 1
lr_wait_until 60 eval '[ "$(stored b)" = 3 ]' || lr_fail "b stopped after a refused reload"
[ "$(stored c leads+c2)" = 2 ] || lr_fail "c changed by a refused reload"

# Unchanged sources: nothing stops.
cp "$T/good.conf" "$LRD_CONF"
hup
grep -q "reload: sources: 0 started, 0 stopped, 2 unchanged" "$LRD_LOG" ||
	lr_fail "unchanged reload: $(grep 'reload: sources' "$LRD_LOG" | tail -1)"
lrd_stop || lr_fail "leadrouted did not stop"
[ "$LRD_EXIT" = 0 ] || lr_fail "leadrouted exited $LRD_EXIT"
[ -z "$(lrd_dup_keys)" ] || lr_fail "stored twice: $(lrd_dup_keys | head -3)"
[ "$(lrd_count)" = 11 ] || lr_fail "$(lrd_count) leads, want 11 (3 + 3 before, 2 + 2 + 1 after)"
lr_log "ok"
