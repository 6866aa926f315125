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
#     meanwhile, and the count survives a restart of leadrouted (the tries
#     go on from 2, not from 1).
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
. "$LR_SRCDIR/tests/lib/dovecot.sh"

for c in python3 openssl ps; do
	command -v "$c" >/dev/null || lr_fail "$c not installed (scripts/deps.sh)"
done
lr_tmpdir source-drop
T=$LR_TMP
N=${DROP_COUNT:-200}
NP=20
MARK=POISON-PILL-7f3a
lrd_init "$T/lr"
dovecot_tls_init "$T/dv"
echo "verbose_proctitle = yes" >>"$DV_CONF"
dovecot_user leads s3cret
dovecot_user pimap s3cret
dovecot_user ppop s3cret
chmod 0644 "$DV_DIR/passwd"

# put USER PREFIX COUNT [SIZE] - COUNT generated messages into USER's new/.
put() {
	local md=$(dovecot_maildir "$1") f i=0
	python3 "$LR_SRCDIR/tests/source-gen.py" "$(lr_corpus)" "$T/gen-$2" "$3" "$2" ${4:+"$4"} ||
		lr_fail "cannot generate messages"
	for f in "$T/gen-$2"/*.eml; do
		i=$((i + 1))
		mv "$f" "$md/new/$((1700000000 + i)).M${i}P$$.$2.host" || lr_fail "cannot deliver $f"
	done
	chown -R "$DV_MAIL_USER:" "$md"
}
# poison USER PREFIX - message PREFIX-6 of USER gets the marker in its body.
poison() {
	local f
	f=$(grep -l "^Message-ID: <$2-6@gen.test>" "$(dovecot_maildir "$1")"/new/*)
	[ -n "$f" ] || lr_fail "no message $2-6 for $1"
	printf 'Note: %s\r\n' "$MARK" >>"$f"
}
put leads web "$N" 30000
put pimap pi "$NP"
put ppop pp "$NP"
poison pimap pi
poison ppop pp
printf 's3cret\n' >"$T/lr/pw" && chmod 0600 "$T/lr/pw"
[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$T/lr/pw"

PROXY_WEB=$(lr_free_port) && PROXY_IMAP=$(lr_free_port) && PROXY_POP3=$(lr_free_port) ||
	lr_fail "no free port"
proxy() {
	python3 "$LR_SRCDIR/tests/source-proxy.py" "$@" &
	lr_on_exit "lr_kill_child $! 5"
	lr_wait_tcp 127.0.0.1 "$1" 30 || lr_fail "the proxy on port $1 did not start"
}
proxy "$PROXY_WEB" "$DV_IMAPS_PORT" bytes:2000000:2 "$T/cuts.web"
proxy "$PROXY_IMAP" "$DV_IMAP_PORT" "marker:$MARK" "$T/cuts.imap"
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

# The poisoned messages first.  The count is durable: a restart after the
# first failed try goes on from 2.
lr_wait_until 90 grep -q "source=pimap uid=.* try=1/3 failed" "$LRD_LOG" ||
	lr_fail "no failed try of the poisoned IMAP message"
lrd_stop || lr_fail "leadrouted did not stop"
mark=$(wc -l <"$LRD_LOG")
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

# The poisoned messages: tries 2 and 3 after the restart, then out of the way.
tail -n +"$mark" "$LRD_LOG" | grep -q "source=pimap uid=.* try=1/3" &&
	lr_fail "the try count started again after the restart"
# (Under load the first tries may all come before the restart: then the
# restarted daemon must not try it again at all.)
grep -q "source=pimap uid=.* try=3/3 failed" "$LRD_LOG" ||
	lr_fail "no third try of the poisoned IMAP message"
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
