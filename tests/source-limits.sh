#!/bin/bash
# source-limits.sh - mailbox sources at their limits, against a real
# Dovecot on loopback (TLS with the test CA):
#   - a 30 MB message over max_message_size (1 MB) beside 5 others, over
#     IMAPS and over POP3S: not downloaded (Dovecot's own byte counts at
#     logout stay far below 30 MB), IMAP moves it to Quarantine, POP3
#     leaves it on the server, each with a log line saying why; the 5 others
#     are leads;
#   - POP3 with STLS (pop3://, STARTTLS required): the certificate is
#     verified against ca_file (`leadroute sources` says so) and the mail
#     is taken; the same without ca_file is refused before any login;
#   - a wrong password and a server that is down: refused, logged with the
#     reason, retried after 2 s, then 4 s (back-off); meanwhile the other
#     sources and the LMTP intake go on (mail arriving then is a lead at
#     once).
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/sources.sh"

BIG=$((30 * 1024 * 1024))
src_init source-limits 'max_message_size = 40000000;' bigi bigp stls stlsbad
src_secret bad wrong
src_put bigi bi 5
src_put bigi bigi 1 "$BIG"
src_put bigp bp 5
cp "$(dovecot_maildir bigi)"/new/*.bigi.host "$(dovecot_maildir bigp)/new/1800000000.Mbig.bigp.host"
chown "$DV_MAIL_USER:" "$(dovecot_maildir bigp)"/new/*
src_put stls st 10
src_put stlsbad sb 2
DOWN=$(lr_free_port) || lr_fail "no free port"
cat >>"$LRD_CONF" <<EOF
sources = (
  { id = "bigi"; url = "imaps://bigi@127.0.0.1:$DV_IMAPS_PORT/INBOX"; password_file = "pw";
    ca_file = "$DV_CA"; after = "move:Processed"; idle = false; poll = "1s";
    max_message_size = 1000000; recipient = "leads+bigi@acme.test"; },
  { id = "bigp"; url = "pop3s://bigp@127.0.0.1:$DV_POP3S_PORT"; password_file = "pw";
    ca_file = "$DV_CA"; after = "delete"; poll = "1s"; max_message_size = 1000000;
    recipient = "leads+bigp@acme.test"; },
  { id = "stls"; url = "pop3://stls@127.0.0.1:$DV_POP3_PORT"; password_file = "pw";
    ca_file = "$DV_CA"; after = "delete"; poll = "1s"; recipient = "leads+stls@acme.test"; },
  { id = "stlsbad"; url = "pop3://stlsbad@127.0.0.1:$DV_POP3_PORT"; password_file = "pw";
    after = "delete"; poll = "1s"; },
  { id = "badpw"; url = "imaps://bigi@127.0.0.1:$DV_IMAPS_PORT/INBOX"; password_file = "bad";
    ca_file = "$DV_CA"; poll = "1s"; },
  { id = "down"; url = "imaps://bigi@127.0.0.1:$DOWN/INBOX"; password_file = "pw";
    ca_file = "$DV_CA"; poll = "1s"; }
);
EOF
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check: $(cat "$T/check.out")"
dovecot_start
lrd_start || lr_fail "leadrouted did not start"

stored() {
	grep -c "source=$1 uid=.*status=stored" "$LRD_LOG"
}
lr_wait_until 90 eval '[ "$(stored bigi)" = 5 ] && [ "$(stored bigp)" = 5 ] && [ "$(stored stls)" = 10 ]' ||
	lr_fail "stored: bigi $(stored bigi), bigp $(stored bigp) of 5, stls $(stored stls) of 10"
lr_wait_until 30 eval 'grep -q "source=down .*next try in 4s" "$LRD_LOG" && grep -q "source=badpw .*next try in 4s" "$LRD_LOG"' ||
	lr_fail "no back-off to 4 s logged for badpw and down"

# While those two fail: a message over LMTP, and new mail for stls.
start=$SECONDS
python3 - "$LRD_SOCKET" <<'PY' || lr_fail "LMTP delivery failed while sources failed"
import smtplib, sys
c = smtplib.LMTP(sys.argv[1], timeout=30)
c.sendmail('form@site.test', ['leads+lmtp@acme.test'],
           b'From: Form <form@site.test>\r\nSubject: lmtp\r\nMessage-ID: <lmtp-1@gen.test>\r\n\r\nName: Lmtp Person\r\n')
c.quit()
PY
src_put stls st2 3
lr_wait_until 30 eval '[ "$(stored stls)" = 13 ]' || lr_fail "stls stalled: $(stored stls) of 13"
lr_log "LMTP and new POP3 mail taken in $((SECONDS - start)) s while badpw and down back off"
lrd_stop || lr_fail "leadrouted did not stop"

# The oversized message: moved or left, never downloaded.
grep -q "source=bigi uid=.* status=quarantined into=Quarantine: message of [0-9]* bytes exceeds the limit of 1000000" "$LRD_LOG" ||
	lr_fail "no quarantine line for the big IMAP message"
grep -q "source=bigp uid=.* status=quarantined left on the server, skipped from now on: [0-9]* bytes exceeds the limit of 1000000 (by LIST)" "$LRD_LOG" ||
	lr_fail "no line for the big POP3 message"
[ "$(grep -c "source=bigp .*status=quarantined" "$LRD_LOG")" = 1 ] || lr_fail "the big POP3 message was logged more than once"
IMD=$(dovecot_maildir bigi)
[ "$(find "$IMD/.Quarantine/new" "$IMD/.Quarantine/cur" -type f -size +20M | wc -l)" = 1 ] ||
	lr_fail "the big message is not in Quarantine"
PMD=$(dovecot_maildir bigp)
[ "$(find "$PMD/new" "$PMD/cur" -type f | wc -l)" = 1 ] || lr_fail "bigp: not only the big message left"
[ "$(find "$PMD/new" "$PMD/cur" -type f -size +20M | wc -l)" = 1 ] || lr_fail "bigp: the big message is gone"
out=$(grep "imap(bigi)" "$DV_LOG" | sed -n 's/.* out=\([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
retr=$(grep "pop3(bigp)" "$DV_LOG" | sed -n 's/.*retr=[0-9]*\/\([0-9]*\),.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
[ "$out" -gt 0 ] && [ "$out" -lt 2000000 ] || lr_fail "IMAP sent $out bytes to bigi (the big one is $BIG)"
[ "$retr" -gt 0 ] && [ "$retr" -lt 2000000 ] || lr_fail "POP3 sent $retr bytes by RETR to bigp"
lr_log "30 MB message: IMAP sent $out bytes in all, POP3 RETR $retr bytes; quarantined / left"

# STLS: verified, and refused without the CA.
grep -q "source=stlsbad certificate of 127.0.0.1 refused" "$LRD_LOG" || lr_fail "stlsbad: no refusal"
grep -q "user=<stlsbad>" "$DV_LOG" && lr_fail "stlsbad logged in without a verified certificate"
[ "$(dovecot_count stls)" = 0 ] || lr_fail "stls: mail left on the server"
lrd_cli sources stls >"$T/sources.out" 2>&1 || lr_fail "sources stls: $(cat "$T/sources.out")"
grep -q '^stls: .* reachable=yes certificate=ok (chain and host name verified) waiting=0$' "$T/sources.out" ||
	lr_fail "sources: $(cat "$T/sources.out")"

# Wrong password and server down: clear lines, backing off.
grep -q "source=badpw login as bigi refused: .*; next try in 2s" "$LRD_LOG" || lr_fail "badpw: no clear line"
grep -q "source=down connect failed .*; next try in 2s" "$LRD_LOG" || lr_fail "down: no clear line"
for s in badpw down; do grep "source=$s " "$LRD_LOG" | sed 's/.*\(source=\)/\1/' | head -3 | while read -r l; do lr_log "$l"; done; done
[ -z "$(lrd_dup_keys)" ] || lr_fail "stored twice: $(lrd_dup_keys | head -3)"
[ "$(lrd_count)" = 24 ] || lr_fail "$(lrd_count) leads, want 24"
lr_log "ok"
