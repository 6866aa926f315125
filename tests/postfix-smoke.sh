#!/bin/bash
# postfix-smoke.sh - proves the real-peer harness (tests/lib/*.sh): a private
# Postfix on 127.0.0.1 delivers over SMTP and sendmail(1) to
#   - a virtual Maildir mailbox (anna@reps.test),
#   - Dovecot LMTP over lmtp:unix: and lmtp:inet: (the lines docs/postfix.md
#     gives for leadrouted),
#   - a pipe(8) service with flags=Rq user=nobody and -r/-s argv (the line
#     docs/postfix.md gives for `leadroute deliver`), whose exit codes 75 and
#     65 must defer and bounce,
# then stops everything and checks that no process it started is left.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/dovecot.sh"

lr_need_cmd python3 postconf postqueue postsuper "$SMTP_SOURCE"
[ "$(id -u)" = 0 ] || lr_skip "needs root to start postfix"
lr_tmpdir postfix-smoke
T=$LR_TMP

# A stand-in for `leadroute deliver`: records uid, argv and the message;
# exits 75 for tempfail@, 65 for dataerr@, like the real one would.
mkdir -p "$T/pipe-out" && chown nobody: "$T/pipe-out"
cat >"$T/pipe-deliver" <<EOF
#!/bin/sh
out=$T/pipe-out/\$\$
{ echo "uid=\$(id -u)"; echo "argv=\$*"; cat; } >"\$out.tmp" || exit 75
case "\$2" in
tempfail@*) rm -f "\$out.tmp"; exit 75 ;;
dataerr@*) rm -f "\$out.tmp"; exit 65 ;;
esac
mv "\$out.tmp" "\$out"
EOF
chmod 0755 "$T/pipe-deliver"

dovecot_init "$T/dovecot"
dovecot_start

postfix_init "$T/postfix"
postfix_add_mailbox anna@reps.test
postfix_route leads.test "lmtp:unix:$DV_SOCKET"
postfix_route inet-leads.test "lmtp:inet:127.0.0.1:$DV_PORT"
postfix_add_pipe leadpipe nobody "$T/pipe-deliver -r \${recipient} -s \${sender}"
postfix_route pipe.test leadpipe:
postfix_start

# smtp-source gives each message a unique Message-Id; -S marks the test.
postfix_send client@example.com anna@reps.test -m 2 -S smoke ||
	lr_fail "smtp to anna"
postfix_send client@example.com lead@leads.test -S smoke-unix || lr_fail "smtp lmtp:unix"
postfix_send client@example.com inbound@inet-leads.test -S smoke-inet ||
	lr_fail "smtp lmtp:inet"
postfix_send client@example.com leads+webinar@pipe.test -S smoke-pipe || lr_fail "smtp pipe"
printf 'From: form@example.com\nTo: anna@reps.test\nSubject: via sendmail\nMessage-ID: <sm1@example.com>\n\nhello\n' |
	postfix_sendmail form@example.com anna@reps.test || lr_fail "sendmail -C"
postfix_wait_delivered 30 || lr_fail "mail still queued"

# Each destination got exactly what was sent.
[ "$(postfix_count anna@reps.test)" = 3 ] ||
	lr_fail "anna has $(postfix_count anna@reps.test) messages, want 3"
grep -l '^Subject: via sendmail' "$(postfix_maildir anna@reps.test)"/new/* >/dev/null ||
	lr_fail "sendmail message not in anna's Maildir"
[ "$(dovecot_count lead)" = 1 ] || lr_fail "lmtp:unix: delivered $(dovecot_count lead), want 1"
[ "$(dovecot_count inbound)" = 1 ] || lr_fail "lmtp:inet: delivered $(dovecot_count inbound), want 1"
grep -q 'relay=.*lmtp.*status=sent' "$PF_LOG" || lr_fail "no lmtp status=sent in maillog"

out=$(ls "$T"/pipe-out/* 2>/dev/null)
[ "$(echo "$out" | grep -c .)" = 1 ] || lr_fail "pipe wrote: $out"
grep -qx "uid=$(id -u nobody)" "$out" || lr_fail "pipe ran as $(head -1 "$out")"
grep -qx 'argv=-r leads+webinar@pipe.test -s client@example.com' "$out" ||
	lr_fail "pipe argv: $(sed -n 2p "$out")"
grep -q '^Return-Path: <client@example.com>' "$out" || lr_fail "flags=R: no Return-Path"
grep -q '^Subject: smoke-pipe' "$out" || lr_fail "pipe got no message"

# EX_TEMPFAIL defers (and is retried), EX_DATAERR bounces.
postfix_send client@example.com tempfail@pipe.test || lr_fail "smtp tempfail"
postfix_send client@example.com dataerr@pipe.test || lr_fail "smtp dataerr"
lr_wait_until 20 grep -q 'to=<tempfail@pipe.test>.*status=deferred' "$PF_LOG" ||
	lr_fail "exit 75 did not defer"
lr_wait_until 20 grep -q 'to=<dataerr@pipe.test>.*status=bounced' "$PF_LOG" ||
	lr_fail "exit 65 did not bounce"
postsuper -c "$PF_CONF" -d ALL >/dev/null 2>&1

# Stop everything; nothing we started may survive.
pids="$PF_MASTER_PID $DV_PID $(lr_descendants "$PF_MASTER_PID") $(lr_descendants "$DV_PID")"
postfix_stop
dovecot_stop
for p in $pids; do
	lr_pid_alive "$p" && lr_fail "pid $p survived: $(ps -o cmd= -p "$p")"
done
lr_log "ok: maildir, lmtp:unix, lmtp:inet, pipe(8), sendmail; $(echo $pids | wc -w) pids stopped"
exit 0
