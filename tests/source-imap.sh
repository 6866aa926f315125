#!/bin/bash
# source-imap.sh - mailbox sources against a real Dovecot on loopback with
# TLS (a test CA and certificates made here with openssl):
#   - 500 inquiries (the corpus's and generated ones) in an IMAPS INBOX,
#     after = "move:Processed": leadrouted is killed with SIGKILL three
#     times at random moments of the fetch; after each kill every message
#     in Processed is already a stored lead (nothing moved before it was
#     durable); in the end each is a lead exactly once, INBOX is empty and
#     Processed holds all 500;
#   - IDLE: a message arriving afterwards is a lead within 3 seconds;
#   - POP3S with after = "delete": 40 messages, each a lead once, the
#     mailbox empty;
#   - certificates of another host, expired, or self-signed without
#     ca_file: refused with a log line naming the source and the reason,
#     and Dovecot's log shows no login attempt on those addresses;
#   - a wrong password: refused, logged, the other sources go on;
#   - an oversized message goes to the quarantine folder, not a lead.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
. "$LR_SRCDIR/tests/lib/dovecot.sh"

lr_need_cmd python3 openssl
lr_tmpdir source-imap
T=$LR_TMP
N=${IMAP_COUNT:-500}
NPOP=40
NFLAG=30
lrd_init "$T/lr" 'max_message_size = 200000;'
dovecot_tls_init "$T/dv"
dovecot_user leads s3cret
dovecot_user popper p0pper
chmod 0644 "$DV_DIR/passwd"

# gen PREFIX COUNT [SIZE] - messages in $T/gen-PREFIX.
gen() {
	python3 "$LR_SRCDIR/tests/source-gen.py" "$(lr_corpus)" "$T/gen-$1" "$2" "$1" ${3:+"$3"} ||
		lr_fail "cannot generate messages"
}

# put USER PREFIX FROM TO - messages FROM..TO-1 of PREFIX into USER's new/.
put() {
	local md i
	md=$(dovecot_maildir "$1")
	for ((i = $3; i < $4; i++)); do
		mv "$T/gen-$2/$2-$i.eml" "$md/tmp/$2-$i" && chown "$DV_MAIL_USER:" "$md/tmp/$2-$i" &&
			mv "$md/tmp/$2-$i" "$md/new/$((1700000000 + i)).M${i}P$$.$2.host" ||
			lr_fail "cannot deliver $2-$i"
	done
}
gen in "$N"
gen big 1 300000
gen pop "$NPOP"
gen fl "$NFLAG"
put leads big 0 1
put popper pop 0 "$NPOP"
dovecot_user flagged f1agged
put flagged fl 0 "$NFLAG"

# secret NAME TEXT - a private password file for the daemon's account.
secret() {
	printf '%s\n' "$2" >"$T/lr/$1.pass"
	chmod 0600 "$T/lr/$1.pass"
	[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$T/lr/$1.pass"
}
secret leads s3cret
secret popper p0pper
secret bad wrong-password
secret flagged f1agged
IMAPS=$DV_IMAPS_PORT
cat >>"$LRD_CONF" <<EOF
sources = (
  { id = "web"; url = "imaps://leads@127.0.0.1:$IMAPS/INBOX"; password_file = "leads.pass";
    ca_file = "$DV_CA"; after = "move:Processed"; idle = true; poll = "30s";
    recipient = "leads+web@acme.test"; },
  { id = "vendor"; url = "pop3s://popper@127.0.0.1:$DV_POP3S_PORT"; password_file = "popper.pass";
    ca_file = "$DV_CA"; after = "delete"; poll = "1s"; recipient = "leads+vendor@acme.test"; },
  { id = "wronghost"; url = "imaps://leads@127.0.0.2:$IMAPS"; password_file = "leads.pass";
    ca_file = "$DV_CA"; poll = "5s"; },
  { id = "expired"; url = "imaps://leads@127.0.0.3:$IMAPS"; password_file = "leads.pass";
    ca_file = "$DV_CA"; poll = "5s"; },
  { id = "selfsigned"; url = "imaps://leads@127.0.0.4:$IMAPS"; password_file = "leads.pass";
    poll = "5s"; },
  { id = "badpw"; url = "imap://leads@127.0.0.1:$DV_IMAP_PORT"; password_file = "bad.pass";
    ca_file = "$DV_CA"; poll = "5s"; },
  { id = "flag"; url = "imap://flagged@127.0.0.1:$DV_IMAP_PORT"; password_file = "flagged.pass";
    ca_file = "$DV_CA"; after = "flag"; poll = "1s"; idle = false; }
);
EOF
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check: $(cat "$T/check.out")"
dovecot_start

MD=$(dovecot_maildir leads)
processed_ids() {
	cat "$MD/.Processed/new/"* "$MD/.Processed/cur/"* 2>/dev/null |
		sed -n 's/^Message-ID: <\(.*\)>\r\{0,1\}$/\1/Ip' | LC_ALL=C sort -u
}
FMD=$(dovecot_maildir flagged)
flagged_count() {
	find "$FMD/cur" -type f -name '*:2,*S*' | wc -l
}
inbox_count() {
	find "$MD/new" "$MD/cur" -type f | wc -l
}

for k in 1 2 3; do
	put leads in $(((k - 1) * N / 3)) $((k * N / 3))
	lrd_start || lr_fail "leadrouted did not start"
	sleep "0.$((RANDOM % 5 + 1))"
	lrd_kill9
	lrd_keys >"$T/keys.$k"
	processed_ids >"$T/processed.$k"
	early=$(LC_ALL=C comm -23 "$T/processed.$k" "$T/keys.$k")
	[ -z "$early" ] || lr_fail "moved before stored (kill $k): $(echo "$early" | head -3)"
	lr_log "kill $k: $(wc -l <"$T/keys.$k") leads stored, $(wc -l <"$T/processed.$k") moved"
done
put leads in $((3 * N / 3)) "$N"
lrd_start || lr_fail "leadrouted did not start"
want=$((N + NPOP + NFLAG))
enough() {
	[ "$(lrd_count)" -ge "$want" ] && [ "$(inbox_count)" -le 1 ] && [ "$(flagged_count)" = "$NFLAG" ]
}
lr_wait_until 120 enough || lr_fail "$(lrd_count) leads of $want, $(inbox_count) left in INBOX"
dups=$(lrd_dup_keys)
[ -z "$dups" ] || lr_fail "stored twice: $(echo "$dups" | head -3)"
{ for ((i = 0; i < N; i++)); do echo "in-$i@gen.test"; done
  for ((i = 0; i < NPOP; i++)); do echo "pop-$i@gen.test"; done
  for ((i = 0; i < NFLAG; i++)); do echo "fl-$i@gen.test"; done; } | LC_ALL=C sort >"$T/want"
lrd_keys >"$T/got"
cmp -s "$T/want" "$T/got" || lr_fail "stored keys differ: $(diff "$T/want" "$T/got" | head -5)"
[ "$(processed_ids | wc -l)" = "$N" ] || lr_fail "Processed holds $(processed_ids | wc -l), not $N"
[ "$(find "$(dovecot_maildir popper)/new" "$(dovecot_maildir popper)/cur" -type f | wc -l)" = 0 ] ||
	lr_fail "POP3 messages left on the server"
q=$(find "$MD/.Quarantine/new" "$MD/.Quarantine/cur" -type f 2>/dev/null | wc -l)
[ "$q" = 1 ] || lr_fail "the oversized message is not in Quarantine ($q files)"
lr_log "all $want messages are leads once; INBOX empty, Processed $N, POP3 empty"

# IDLE: a new message becomes a lead within 3 seconds.
python3 "$LR_SRCDIR/tests/source-gen.py" "$(lr_corpus)" "$T/gen-idle" 1 idle
stored_web() {
	grep -c "source=web .*status=stored" "$LRD_LOG"
}
before=$(stored_web)
mv "$T/gen-idle/idle-0.eml" "$MD/tmp/idle.host" && chown "$DV_MAIL_USER:" "$MD/tmp/idle.host"
start=$(date +%s%N)
mv "$MD/tmp/idle.host" "$MD/new/1800000000.Midle.host"
until [ "$(stored_web)" -gt "$before" ]; do
	[ $(($(date +%s%N) - start)) -lt 3000000000 ] || lr_fail "IDLE: no lead within 3 s"
	sleep 0.05
done
lr_log "IDLE: new message a lead after $((($(date +%s%N) - start) / 1000000)) ms"
[ "$(lrd_count)" = $((want + 1)) ] || lr_fail "IDLE: $(lrd_count) leads, not $((want + 1))"

# Certificates refused, no password sent.
for s in wronghost:127.0.0.2 expired:127.0.0.3 selfsigned:127.0.0.4; do
	grep -q "source=${s%%:*} certificate of ${s#*:} refused" "$LRD_LOG" ||
		lr_fail "no refusal logged for ${s%%:*}"
	[ -z "$(dovecot_logins "${s#*:}")" ] || lr_fail "a login reached ${s#*:}: $(dovecot_logins "${s#*:}")"
done
grep "certificate of" "$LRD_LOG" | sed 's/.*\(source=\)/\1/' | sort -u | head -3 | while read -r l; do lr_log "$l"; done
# The last restart may be a moment ago, and Dovecot answers a failed
# login after its auth_failure_delay (2 s): wait for the line.
lr_wait_until 10 grep -q "source=badpw login as leads refused" "$LRD_LOG" ||
	lr_fail "wrong password not logged"
lrd_stop || lr_fail "leadrouted did not stop"
[ "$LRD_EXIT" = 0 ] || lr_fail "leadrouted exited $LRD_EXIT"

# leadroute sources: one connection each, what it found.
lrd_cli sources web wronghost >"$T/sources.out" 2>&1 && lr_fail "sources: exit 0 with a bad certificate"
grep -q '^web: .* reachable=yes certificate=ok (chain and host name verified) waiting=0$' "$T/sources.out" ||
	lr_fail "sources: web: $(cat "$T/sources.out")"
grep -q '^wronghost: .* reachable=yes certificate=no .*refused' "$T/sources.out" ||
	lr_fail "sources: wronghost: $(cat "$T/sources.out")"
[ -z "$(dovecot_logins 127.0.0.2)" ] || lr_fail "sources logged in to 127.0.0.2"
lr_log "$(cat "$T/sources.out")"

# UIDVALIDITY change: the folder made again with the same messages (new
# UIDVALIDITY, flags gone) is reconciled by Message-ID: no new lead.
dovecot_stop
old=$(grep -h '^3 V\|^1 V' "$FMD/dovecot-uidlist" | head -1)
rm -f "$FMD"/dovecot-uidlist "$FMD"/dovecot.index* "$FMD"/dovecot-keywords
for f in "$FMD"/cur/*; do mv "$f" "$FMD/new/$(basename "${f%%:*}")"; done
sleep 1
dovecot_start
lrd_start || lr_fail "leadrouted did not restart"
lr_wait_until 60 eval '[ "$(flagged_count)" = "$NFLAG" ]' || lr_fail "not flagged again after UIDVALIDITY change"
lrd_stop || lr_fail "leadrouted did not stop"
new=$(grep -h '^3 V\|^1 V' "$FMD/dovecot-uidlist" | head -1)
[ "${old%% N*}" != "${new%% N*}" ] || lr_fail "UIDVALIDITY did not change ($old / $new)"
[ "$(lrd_count)" = $((want + 1)) ] || lr_fail "UIDVALIDITY change: $(lrd_count) leads, not $((want + 1))"
[ -z "$(lrd_dup_keys)" ] || lr_fail "UIDVALIDITY change stored duplicates"
grep -q "source=flag uid=v.* status=duplicate" "$LRD_LOG" || lr_fail "no reconciliation logged"
lr_log "UIDVALIDITY ${old%% N*} -> ${new%% N*}: $NFLAG messages reconciled, no new lead"
lr_log "ok"
