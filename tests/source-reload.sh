#!/bin/bash
# source-reload.sh - SIGHUP reloads the mailbox sources, against a real
# Dovecot (IMAPS, the test CA) on loopback:
#   - sources a and c run; the file is changed to drop a, add b and give
#     c another recipient, and leadrouted gets SIGHUP: a's thread stops
#     (mail put into a afterwards stays there), b's starts (its mail becomes
#     leads), c restarts with the new recipient; no restart of the daemon;
#   - a file that does not check is refused on SIGHUP: the running sources
#     go on (mail put into b still becomes a lead);
#   - two more sources whose server hangs (one never greets, one stops in
#     the middle of a FETCH answer: tests/source-proxy.py) are removed by
#     that reload too: it ends within 10 s (their sockets are shut down
#     after 2 s), not after libetpan's timeout of a minute;
#   - a SIGHUP with the sources unchanged leaves every thread running.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/sources.sh"

src_init source-reload '' ua ub uc uh
cp "$LRD_CONF" "$T/base.conf"

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
# hup - SIGHUP, and wait until the reload has ended (its summary or its
# refusal logged); HUP_SECS is how long that took.
hup() {
	local n start=$SECONDS pat="reload: sources:\|reload refused"
	n=$(grep -c "$pat" "$LRD_LOG")
	kill -HUP "$LRD_PID" || lr_fail "cannot signal leadrouted"
	lr_wait_until 90 eval '[ "$(grep -c "$pat" "$LRD_LOG")" -gt "$n" ]' || lr_fail "no reload logged"
	HUP_SECS=$((SECONDS - start))
	sleep 1
}
# hung_entry ID USER PORT - a plain IMAP source through a proxy on PORT.
hung_entry() {
	printf '  { id = "%s"; url = "imap://%s@127.0.0.1:%s/INBOX"; password_file = "pw";\n' \
		"$1" "$2" "$3"
	printf '    tls = "none"; after = "move:Processed"; idle = false; poll = "1s"; },\n'
}
# Two servers that hang: one never greets, one stops in the middle of a
# FETCH answer (tests/source-proxy.py in front of Dovecot's IMAP).
MARK=STALL-HERE-5c1e
src_put uh hg 1
printf 'Note: %s\r\n' "$MARK" >>"$(dovecot_maildir uh)"/new/*.hg.host
HANG=$(lr_free_port) && STALL=$(lr_free_port) || lr_fail "no free port"
for p in "$HANG:hang" "$STALL:stall:$MARK"; do
	python3 "$LR_SRCDIR/tests/source-proxy.py" "${p%%:*}" "$DV_IMAP_PORT" "${p#*:}" "$T/cuts.${p%%:*}" &
	lr_on_exit "lr_kill_child $! 5"
	lr_wait_tcp 127.0.0.1 "${p%%:*}" 30 || lr_fail "the proxy on port ${p%%:*} did not start"
done

conf "$(source_entry a ua leads+a@acme.test)" "$(source_entry c uc leads+c1@acme.test)" \
	"$(hung_entry hang uh "$HANG")" "$(hung_entry stall uh "$STALL")"
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check: $(cat "$T/check.out")"
src_put ua a1 3
src_put uc c1 3
dovecot_start
lrd_start || lr_fail "leadrouted did not start"
pid=$LRD_PID
lr_wait_until 60 eval '[ "$(stored a)" = 3 ] && [ "$(stored c leads+c1)" = 3 ]' ||
	lr_fail "before the reload: a $(stored a), c $(stored c) of 3 each"
lr_wait_until 30 eval 'grep -q "hung before the greeting" "$T/cuts.$HANG" 2>/dev/null &&
	grep -q "stalled after" "$T/cuts.$STALL" 2>/dev/null' || lr_fail "the hung sources are not hung"

# Drop a and the hung ones, add b, change c: the hung sessions are shut
# down after the 2 s of grace, not after libetpan's timeout of 60 s.
conf "$(source_entry b ub leads+b@acme.test)" "$(source_entry c uc leads+c2@acme.test)"
hup
lr_log "reload with two hung servers took $HUP_SECS s"
[ "$HUP_SECS" -le 10 ] || lr_fail "the reload with two hung servers took $HUP_SECS s"
grep -q "source=a stopping: removed by the reload" "$LRD_LOG" || lr_fail "a not stopped"
grep -q "source=c stopping: changed by the reload" "$LRD_LOG" || lr_fail "c not restarted"
for h in hang stall; do
	grep -q "source=$h still busy with its server after 2 s: connection shut down" "$LRD_LOG" ||
		lr_fail "$h: no line saying its connection was shut down"
done
grep -q "reload: sources: 2 started, 4 stopped, 0 unchanged" "$LRD_LOG" ||
	lr_fail "reload summary: $(grep 'reload: sources' "$LRD_LOG")"
src_put ua a2 2
src_put ub b2 2
src_put uc c2 2
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
src_put ub b3 1
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
