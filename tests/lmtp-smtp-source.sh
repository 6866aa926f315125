#!/bin/bash
# lmtp-smtp-source.sh - Postfix's smtp-source against the LMTP server.
#
# tests/lmtp-echo-server (the real server, an in-memory counting store)
# listens on a unix socket and on 127.0.0.1.  smtp-source sends 2,000
# messages over 16 parallel LMTP sessions to the unix socket, then each
# corpus inquiry (-F FILE) over TCP.  Every message must be stored once:
# the server's count at SIGTERM, and the distinct Message-IDs, must match.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"

[ -n "${SMTP_SOURCE:-}" ] && [ -x "$SMTP_SOURCE" ] || lr_skip "smtp-source not found"
server=$LR_BUILDDIR/tests/lmtp-echo-server
[ -x "$server" ] || lr_fail "$server not built"
corpus=$(lr_corpus inquiries) || exit 1
lr_tmpdir lmtp-smtp-source
sock=$LR_TMP/lmtp
port=$(lr_free_port) || lr_fail "no free port"
count=2000

"$server" --timeout 30 --sessions 64 "unix:$sock" "inet:127.0.0.1:$port" \
	>"$LR_TMP/out" 2>"$LR_TMP/log" &
pid=$!
lr_on_exit "lr_kill_pid $pid 5"
lr_wait_until 10 grep -qx ready "$LR_TMP/out" ||
	lr_fail "server did not start: $(cat "$LR_TMP/log")"

lr_log "smtp-source -L -s 16 -m $count over unix:$sock"
timeout 300 "$SMTP_SOURCE" -L -s 16 -m "$count" -f a@b.example -t leads@x.example \
	"unix:$sock" || lr_fail "smtp-source (unix) failed"

# Several transactions per session (-d), five recipients each (-r 5).
lr_log "smtp-source -L -d -s 4 -m 400 -r 5 over inet:127.0.0.1:$port"
timeout 300 "$SMTP_SOURCE" -L -d -s 4 -m 400 -r 5 -f a@b.example -t leads@x.example \
	"inet:127.0.0.1:$port" || lr_fail "smtp-source (inet, -d -r 5) failed"
more=400

sent=0
for eml in "$corpus"/*.eml; do
	[ -f "$eml" ] || continue
	timeout 30 "$SMTP_SOURCE" -L -m 1 -F "$eml" -f vendor@leads.example \
		-t leads+website@x.example "inet:127.0.0.1:$port" ||
		lr_fail "smtp-source -F $eml failed"
	sent=$((sent + 1))
done
[ "$sent" -gt 0 ] || lr_fail "no corpus inquiries in $corpus"
ids=$(cat "$corpus"/*.eml | grep -i '^Message-ID:' | sort -u | wc -l)

kill -TERM "$pid"
lr_wait_until 30 grep -q '^stored=' "$LR_TMP/out" || lr_fail "server did not stop"
wait "$pid" || lr_fail "server exited with $?"
result=$(grep '^stored=' "$LR_TMP/out")
lr_log "$result (sent $count + $more + $sent corpus messages, $ids corpus Message-IDs)"

# smtp-source gives each of its messages a Message-Id of its own; corpus
# files without one are keyed by content, which differs from file to file.
total=$((count + more + sent))
want="stored=$total distinct=$total refused=0 deferred=0"
[ "$result" = "$want" ] || lr_fail "server says '$result', want '$want'"
sessions=$(grep -c ' connect ' "$LR_TMP/log")
[ "$sessions" -eq $((count + 4 + sent)) ] || lr_fail "$sessions sessions logged"
echo "PASS: $result"
