#!/bin/bash
# postfix-smoke.sh - proves the real-peer harness (tests/lib/*.sh): a private
# Postfix on 127.0.0.1 delivers over SMTP and sendmail(1) to
#   - a virtual Maildir mailbox (anna@reps.test),
#   - Dovecot LMTP over lmtp:unix: and lmtp:inet: (the lines docs/postfix.md
#     gives for leadrouted),
#   - a pipe(8) service with flags=Rq user=nobody and -r/-s argv (the line
#     docs/postfix.md gives for `leadroute deliver`), whose exit codes 75 and
#     65 must defer and bounce,
#   - the real `leadroute-deliver` through the pipe(8) line of docs/postfix.md
#     for one address of a virtual mailbox domain (leads@reps.test, with an
#     address extension), twice: stored, then "already stored",
#   - leadrouted (as nobody, sharing the home with leadroute-deliver) over
#     lmtp:unix:, which notifies the rep of both leads through this Postfix,
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
{ echo "uid=\$(id -u)"; for a; do echo "arg=\$a"; done; cat; } >"\$out.tmp" || exit 75
case "\$2" in
tempfail@*) rm -f "\$out.tmp"; exit 75 ;;
dataerr@*) rm -f "\$out.tmp"; exit 65 ;;
esac
mv "\$out.tmp" "\$out"
EOF
chmod 0755 "$T/pipe-deliver"

# smoke_lr_conf - a leadroute.conf whose home and socket are under $T/lr.
smoke_lr_conf() {
	mkdir -p "$T/lr/home"
	# The daemon runs as nobody, who may not reach the source tree (a
	# clone under /root): it gets its own copy of programs and templates.
	lr_private_tree
	chown -R nobody: "$T/lr"
	cat >"$T/lr/leadroute.conf" <<EOF
server: {
  name = "smoke"; domain = "leads.test";
  listen = ["unix:$T/lr/lmtp"];
  home = "$T/lr/home";
  smtp = "smtp://127.0.0.1:$PF_PORT";
  from = "Lead Desk <leads@leads.test>";
  templates = "$LR_TREE_TEMPLATES";
  retry_first = 1; retry_max = 2;	# a busy test Postfix may say 4xx once
};
users = ( { id = "rep"; name = "Rep"; email = "rep@reps.test"; role = "admin"; } );
rules = ( { name = "everyone"; route = "rep"; } );
EOF
	LR_DELIVER=$LR_TREE_BIN/leadroute-deliver
}

# smoke_leadrouted - start src/leadrouted as nobody on the shared home.
smoke_leadrouted() {
	local daemon=$LR_TREE_BIN/leadrouted
	if ! lr_daemon_start "$T/lr/leadrouted.log" "unix:$T/lr/lmtp" 20 \
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$daemon" -c "$T/lr/leadroute.conf" -f; then
		cat "$T/lr/leadrouted.log" >&2
		lr_fail "leadrouted did not listen on $T/lr/lmtp (exit ${LR_DAEMON_EXIT:-none})"
	fi
	LRD_PID=$LR_DAEMON_PID
}

dovecot_init "$T/dovecot"
dovecot_start

postfix_init "$T/postfix"
postfix_add_mailbox anna@reps.test
# The unix socket through a service of its own (chroot n), as docs/postfix.md
# recommends on Debian, whose stock lmtp service runs chrooted.
postfix_service "leadlmtp unix - - n - - lmtp -o syslog_name=postfix/leadlmtp"
postfix_route leads.test "leadlmtp:unix:$DV_SOCKET"
postfix_route inet-leads.test "lmtp:inet:127.0.0.1:$DV_PORT"
postfix_add_pipe leadpipe nobody "$T/pipe-deliver -r \${recipient} -s \${sender}"
postfix_route pipe.test leadpipe:
smoke_lr_conf
postfix_add_mailbox rep@reps.test
postfix_add_mailbox leads@reps.test
postfix_add_pipe leadroute nobody "$LR_DELIVER -c $T/lr/leadroute.conf -r \${recipient} -s \${sender}"
postfix_route leads@reps.test leadroute:
smoke_leadrouted
postfix_route hq-leads.test "lmtp:unix:$T/lr/lmtp"
postfix_start

# smtp-source gives each message a unique Message-Id; -S marks the test.
postfix_send client@example.com anna@reps.test -m 2 -S smoke ||
	lr_fail "smtp to anna"
postfix_send client@example.com lead@leads.test -S smoke-unix || lr_fail "smtp lmtp:unix"
postfix_send client@example.com inbound@inet-leads.test -S smoke-inet ||
	lr_fail "smtp lmtp:inet"
postfix_send client@example.com leads+webinar@pipe.test -S smoke-pipe || lr_fail "smtp pipe"
postfix_send client@example.com '"odd name"@pipe.test' -S smoke-quoted || lr_fail "smtp pipe quoted"
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
grep -q "postfix/leadlmtp/lmtp\[.*to=<lead@leads.test>.*status=sent" "$PF_LOG" ||
	lr_fail "no leadlmtp status=sent in maillog"

# smoke_pipe_args - the argv the pipe stand-in got for SUBJECT, one a line.
smoke_pipe_args() {
	local f
	f=$(grep -lx "Subject: $1" "$T"/pipe-out/* 2>/dev/null) || lr_fail "pipe got no '$1'"
	grep -qx "uid=$(id -u nobody)" "$f" || lr_fail "pipe ran as $(head -1 "$f")"
	grep -q '^Return-Path: <client@example.com>' "$f" || lr_fail "flags=R: no Return-Path"
	sed -n 's/^arg=//p' "$f" | paste -sd'|'
}

[ "$(find "$T"/pipe-out -type f | wc -l)" = 2 ] || lr_fail "pipe wrote: $(ls "$T"/pipe-out)"
args=$(smoke_pipe_args smoke-pipe)
[ "$args" = '-r|leads+webinar@pipe.test|-s|client@example.com' ] || lr_fail "pipe argv: $args"
# flags=q: a quoted local part arrives quoted, as one argument.
args=$(smoke_pipe_args smoke-quoted)
[ "$args" = '-r|"odd name"@pipe.test|-s|client@example.com' ] || lr_fail "pipe argv: $args"

# leadroute-deliver stored the lead once, then knew the Message-ID.
lead=$(printf 'From: Jane Doe <jane@example.org>\nTo: leads+webinar@reps.test\nSubject: Quote please\nMessage-ID: <smoke-lead-1@example.org>\n\nName: Jane Doe\nCompany: Example Org\n')
printf '%s\n' "$lead" | postfix_sendmail jane@example.org leads+webinar@reps.test || lr_fail "sendmail lead"
postfix_wait_delivered 30 || lr_fail "lead still queued"
grep -q 'to=<leads+webinar@reps.test>.*relay=leadroute.*status=sent.*lead [0-9]* stored' "$PF_LOG" ||
	lr_fail "leadroute-deliver did not store: $(grep 'relay=leadroute' "$PF_LOG")"
printf '%s\n' "$lead" | postfix_sendmail jane@example.org leads+webinar@reps.test || lr_fail "sendmail lead"
postfix_wait_delivered 30 || lr_fail "lead still queued"
grep -q 'to=<leads+webinar@reps.test>.*relay=leadroute.*status=sent.*already stored' "$PF_LOG" ||
	lr_fail "second delivery not a duplicate: $(grep 'relay=leadroute' "$PF_LOG")"
[ "$(postfix_count leads@reps.test)" = 0 ] || lr_fail "leads@ went to a Maildir"

# leadrouted took a lead over LMTP, and routed both leads to the rep,
# whose notifications came back through this Postfix.
printf '%s\n' "$lead" | sed 's/smoke-lead-1/smoke-lead-2/' |
	postfix_sendmail jane@example.org leads@hq-leads.test || lr_fail "sendmail lmtp lead"
postfix_wait_delivered 30 || lr_fail "lead for leadrouted still queued"
grep -q "to=<leads@hq-leads.test>.*relay=.*$T/lr/lmtp.*status=sent" "$PF_LOG" ||
	lr_fail "leadrouted did not take the lead: $(grep 'hq-leads' "$PF_LOG")"
# rep_has N - the rep's Maildir holds N notifications (evaluated each poll).
rep_has() { [ "$(postfix_count rep@reps.test)" -ge "$1" ]; }
lr_wait_until 60 rep_has 2 ||
	lr_fail "rep@reps.test got $(postfix_count rep@reps.test) notifications, want 2"

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
pids="$pids $LRD_PID"
postfix_stop
dovecot_stop
lr_kill_child "$LRD_PID" 20 || lr_fail "leadrouted $LRD_PID did not stop"
wait "$LRD_PID"
status=$?
[ "$status" = 0 ] || { tail -20 "$T/lr/leadrouted.log" >&2; lr_fail "leadrouted exited $status on SIGTERM"; }
for p in $pids; do
	lr_pid_alive "$p" && lr_fail "pid $p survived: $(ps -o cmd= -p "$p")"
done
parts="maildir, lmtp:unix, lmtp:inet, pipe(8), sendmail, leadroute-deliver, leadrouted"
lr_log "ok: $parts; $(echo "$pids" | wc -w) pids stopped"
exit 0
