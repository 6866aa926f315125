#!/bin/bash
# source-drop.sh - mailbox sources whose server drops the connection in
# the middle of a FETCH or RETR, against a real Dovecot on loopback:
#   - 200 messages of 30 KB over IMAPS (a source added by SIGHUP) through a proxy
#     (tests/source-proxy.py) that resets the first two sessions after 2 MB,
#     in the middle of a FETCH answer; then the Dovecot imap process serving
#     the third (found below this test's own Dovecot master by its PID) is
#     killed with SIGKILL: each FETCH is retried, every message is a lead
#     exactly once and all 200 end in Processed;
#   - one message that can never be fetched whole (a proxy in front of
#     Dovecot, tests/source-proxy.py, drops the connection whenever its
#     marker passes), among 20: over IMAP it goes to Quarantine after
#     quarantine_after = 3 counted tries, over POP3 it is left on the
#     server and skipped, each with a log line; the 19 others are leads
#     meanwhile; the count survives a restart of leadrouted: a gate in the
#     IMAP proxy admits two sessions (the failed batch, then the one
#     counted try of the message alone), leadrouted is stopped by its PID
#     after that try and started again with the gate open, and then makes
#     exactly tries 2 and 3 before the Quarantine (counted in its log).
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/sources.sh"

command -v ps >/dev/null || lr_fail "ps not installed (scripts/deps.sh)"
N=${DROP_COUNT:-200}
NP=20
MARK=POISON-PILL-7f3a
src_init source-drop '' leads pimap ppop
echo "verbose_proctitle = yes" >>"$DV_CONF"

# poison USER PREFIX - message PREFIX-6 of USER gets the marker in its body.
poison() {
	local f
	f=$(grep -l "^Message-ID: <$2-6@gen.test>" "$(dovecot_maildir "$1")"/new/*)
	[ -n "$f" ] || lr_fail "no message $2-6 for $1"
	printf 'Note: %s\r\n' "$MARK" >>"$f"
}
src_put leads web "$N" 30000
src_put pimap pi "$NP"
src_put ppop pp "$NP"
poison pimap pi
poison ppop pp

PROXY_WEB=$(lr_free_port) && PROXY_IMAP=$(lr_free_port) && PROXY_POP3=$(lr_free_port) ||
	lr_fail "no free port"
proxy() {
	python3 "$LR_SRCDIR/tests/source-proxy.py" "$@" &
	lr_on_exit "lr_kill_child $! 5"
	lr_wait_tcp 127.0.0.1 "$1" 30 || lr_fail "the proxy on port $1 did not start"
}
proxy "$PROXY_WEB" "$DV_IMAPS_PORT" bytes:2000000:2 "$T/cuts.web"
# The gate opens after the proxy is up (the probe of its port is a
# connection too).
proxy "$PROXY_IMAP" "$DV_IMAP_PORT" "marker:$MARK" "$T/cuts.imap" "$T/gate.imap"
echo 2 >"$T/gate.new" && mv "$T/gate.new" "$T/gate.imap"
proxy "$PROXY_POP3" "$DV_POP3_PORT" "marker:$MARK" "$T/cuts.pop3"

WEB_SOURCE="  { id = \"web\"; url = \"imaps://leads@127.0.0.1:$PROXY_WEB/INBOX\"; password_file = \"pw\";
    ca_file = \"$DV_CA\"; after = \"move:Processed\"; idle = false; poll = \"1s\";
    recipient = \"leads+web@acme.test\"; },"
cp "$LRD_CONF" "$T/base.conf"
# conf [WEB] - the configuration with the two poisoned sources (and web).
conf() {
	{ cat "$T/base.conf"; echo "sources = ("; [ -z "${1:-}" ] || echo "$WEB_SOURCE"; cat <<EOF
  { id = "pimap"; url = "imap://pimap@127.0.0.1:$PROXY_IMAP/INBOX"; password_file = "pw";
    tls = "none"; after = "move:Processed"; idle = false; poll = "1s";
    quarantine_after = 3; recipient = "leads+pimap@acme.test"; },
  { id = "ppop"; url = "pop3://ppop@127.0.0.1:$PROXY_POP3"; password_file = "pw";
    tls = "none"; after = "delete"; poll = "1s"; quarantine_after = 3;
    recipient = "leads+ppop@acme.test"; }
);
EOF
	} >"$LRD_CONF"
	[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$LRD_CONF"
}
conf
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check: $(cat "$T/check.out")"
dovecot_start
lrd_start || lr_fail "leadrouted did not start"

# The poisoned messages first.  The count is durable: the gate lets the
# first daemon make one counted try only (its first session fails the
# batch, the second tries the message alone; then the proxy refuses it),
# and the restarted one goes on from 2.
# tries [FROM] - the counted tries of the poisoned IMAP message logged
# (from line FROM of the log on).
tries() {
	tail -n +"${1:-1}" "$LRD_LOG" | grep -o "source=pimap uid=[^ ]* try=[0-9]*/3 failed" |
		sed 's/.* try=//; s/ failed//' | tr '\n' ' '
}
lr_wait_until 90 grep -q "source=pimap uid=.* try=1/3 failed" "$LRD_LOG" ||
	lr_fail "no failed try of the poisoned IMAP message"
lr_wait_until 30 grep -q "refused by the gate" "$T/cuts.imap" ||
	lr_fail "the gate did not close after two sessions"
lrd_stop || lr_fail "leadrouted did not stop"
[ "$(tries)" = "1/3 " ] || lr_fail "before the restart: tries '$(tries)', want one, 1/3"
mark=$(($(wc -l <"$LRD_LOG") + 1))
echo 1000000 >"$T/gate.open" && mv "$T/gate.open" "$T/gate.imap"
lrd_start || lr_fail "leadrouted did not restart"
poisoned_done() {
	[ "$(lrd_count)" -ge $((2 * (NP - 1))) ] &&
		grep -q "source=pimap uid=.* status=quarantined" "$LRD_LOG" &&
		grep -q "source=ppop uid=.* status=quarantined" "$LRD_LOG"
}
lr_wait_until 120 poisoned_done || lr_fail "$(lrd_count) leads of $((2 * (NP - 1))); $(grep -c quarantined "$LRD_LOG") quarantined"

# Then web, added by SIGHUP.
conf web
kill -HUP "$LRD_PID"
lr_wait_until 30 grep -q "source=web url=.* started" "$LRD_LOG" || lr_fail "web not started by SIGHUP"

# serving_pid - the Dovecot imap process of user leads (a child of this
# test's Dovecot master, named by its title: verbose_proctitle).
serving_pid() {
	local p t
	for p in $(cat /proc/"$DV_PID"/task/*/children 2>/dev/null); do
		t=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
		case $t in *"imap [leads "*) echo "$p"; return 0 ;; esac
	done
	return 1
}
stored_web() {
	grep -c "source=web .*status=stored" "$LRD_LOG"
}
# The proxy cuts the first two sessions mid-FETCH; then, once more leads
# are stored, the Dovecot process serving the third is killed.
lr_wait_until 120 eval '[ "$(wc -l <"$T/cuts.web" 2>/dev/null || echo 0)" -ge 2 ]' ||
	lr_fail "the proxy did not cut two sessions ($(stored_web) stored)"
before=$(stored_web)
lr_wait_until 60 eval '[ "$(stored_web)" -gt "$before" ]' || lr_fail "no lead after the cuts"
lr_log "proxy: $(tr '\n' ';' <"$T/cuts.web") $before leads stored by then"
pid=
lr_wait_until 20 eval '[ "$(stored_web)" -ge "$N" ] || pid=$(serving_pid)'
if [ -n "$pid" ]; then
	kill -KILL "$pid" && lr_log "killed dovecot imap $pid (serving leads) at $(stored_web) leads"
else
	lr_log "the fetch ended before the kill ($(stored_web) leads)"
fi
want=$((N + 2 * (NP - 1)))
MD=$(dovecot_maildir leads)
lr_wait_until 120 eval '[ "$(lrd_count)" -ge "$want" ]' || lr_fail "$(lrd_count) leads of $want"
lrd_stop || lr_fail "leadrouted did not stop"
lrd_stop || lr_fail "leadrouted did not stop"

[ -z "$(lrd_dup_keys)" ] || lr_fail "stored twice: $(lrd_dup_keys | head -3)"
{ for ((i = 0; i < N; i++)); do echo "web-$i@gen.test"; done
  for ((i = 0; i < NP; i++)); do [ "$i" = 6 ] || { echo "pi-$i@gen.test"; echo "pp-$i@gen.test"; }; done; } |
	LC_ALL=C sort >"$T/want"
lrd_keys >"$T/got"
cmp -s "$T/want" "$T/got" || lr_fail "stored keys differ: $(diff "$T/want" "$T/got" | head -5)"
[ "$(grep -c "source=web FETCH failed" "$LRD_LOG")" -ge 2 ] || lr_fail "no FETCH failures logged for web"
# Each message is in Processed.  A Dovecot killed in the middle of a MOVE
# (copy, then expunge) may leave a message in both folders; it is moved
# again (its lead is not stored again), so Processed may hold a copy more.
moved=$(find "$MD/.Processed/new" "$MD/.Processed/cur" -type f | wc -l)
ids=$(cat "$MD/.Processed/new/"* "$MD/.Processed/cur/"* 2>/dev/null |
	sed -n 's/^Message-ID: <\(web-[0-9]*@gen.test\)>\r\{0,1\}$/\1/Ip' | LC_ALL=C sort -u | wc -l)
[ "$ids" = "$N" ] || lr_fail "Processed holds $ids of the $N messages"
left=$(find "$MD/new" "$MD/cur" -type f | wc -l)
[ "$left" = 0 ] || lr_fail "$left messages left in INBOX"
lr_log "web: $N leads once after two cuts mid-FETCH and a kill; Processed holds all $N ($moved files)"

# The poisoned message: exactly tries 2 and 3 after the restart, then out
# of the way.
[ "$(tries "$mark")" = "2/3 3/3 " ] ||
	lr_fail "after the restart: tries '$(tries "$mark")', want 2/3 3/3 (the count did not survive)"
lr_log "poisoned IMAP message: try 1/3 before the restart, $(tries "$mark")after it"
PMD=$(dovecot_maildir pimap)
# -q: a match wins over the error for the folder (new/ or cur/) that is
# empty, whose glob is left unexpanded (grep -l exited 2 with a match).
grep -qs "$MARK" "$PMD"/.Quarantine/new/* "$PMD"/.Quarantine/cur/* ||
	lr_fail "the poisoned message is not in Quarantine"
[ "$(find "$PMD/.Processed/new" "$PMD/.Processed/cur" -type f | wc -l)" = $((NP - 1)) ] ||
	lr_fail "pimap: Processed does not hold the $((NP - 1)) others"
OMD=$(dovecot_maildir ppop)
grep -qs "$MARK" "$OMD"/new/* "$OMD"/cur/* ||
	lr_fail "the poisoned POP3 message is not on the server"
[ "$(find "$OMD/new" "$OMD/cur" -type f | wc -l)" = 1 ] || lr_fail "ppop: the others are not deleted"
grep -q "source=ppop uid=.* status=quarantined left on the server, skipped from now on: 3 tries failed" "$LRD_LOG" ||
	lr_fail "no clear log line for the skipped POP3 message"
grep "status=quarantined" "$LRD_LOG" | sed 's/.*\(source=\)/\1/' | while read -r l; do lr_log "$l"; done
lr_log "proxy cuts: imap $(wc -l <"$T/cuts.imap"), pop3 $(wc -l <"$T/cuts.pop3")"
lr_log "ok"
