#!/bin/bash
# source-mailbox.sh [COUNT] - a large IMAPS mailbox against a real Dovecot:
# COUNT messages (default SOURCE_MAILBOX_COUNT or 1000 here; bench/imap-mailbox
# runs it with 10,000) written straight into the Maildir of Dovecot's
# store, fetched by leadrouted (after = "delete"): every message is a lead
# exactly once, the mailbox ends empty, and the daemon's peak resident
# memory (VmHWM) is printed and must stay under MAX_RSS_MB (default 200):
# memory does not grow with the mailbox (the fetch goes in batches of 50).
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
. "$LR_SRCDIR/tests/lib/dovecot.sh"

for c in python3 openssl; do
	command -v "$c" >/dev/null || lr_fail "$c not installed (scripts/deps.sh)"
done
N=${1:-${SOURCE_MAILBOX_COUNT:-1000}}
MAX_RSS_MB=${MAX_RSS_MB:-200}
WAIT=${SOURCE_MAILBOX_WAIT:-300}
lr_tmpdir "source-mailbox-$N"
T=$LR_TMP
lrd_init "$T/lr"
dovecot_tls_init "$T/dv"
dovecot_user big s3cret
chmod 0644 "$DV_DIR/passwd"
printf 's3cret\n' >"$T/lr/pw" && chmod 0600 "$T/lr/pw"
[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$T/lr/pw"
MD=$(dovecot_maildir big)
python3 - "$(lr_corpus)" "$MD/new" "$N" <<'PY' || lr_fail "cannot write $N messages"
# The generator of tests/source-gen.py, written straight into new/.
import os, runpy, sys
corpus, new, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
tmp = os.path.join(os.path.dirname(new), 'gen')
sys.argv = ['source-gen.py', corpus, tmp, str(n), 'mb', '3000']
runpy.run_path(os.path.join(os.environ['LR_SRCDIR'], 'tests', 'source-gen.py'))
for i in range(n):
    os.rename(os.path.join(tmp, 'mb-%d.eml' % i), os.path.join(new, '%d.M%d.mb.host' % (1700000000 + i, i)))
os.rmdir(tmp)
PY
chown -R "$DV_MAIL_USER:" "$MD"
cat >>"$LRD_CONF" <<EOF
sources = ( { id = "big"; url = "imaps://big@127.0.0.1:$DV_IMAPS_PORT/INBOX"; password_file = "pw";
  ca_file = "$DV_CA"; after = "delete"; idle = false; poll = "2s"; recipient = "leads+big@acme.test"; } );
EOF
dovecot_start
start=$SECONDS
lrd_start || lr_fail "leadrouted did not start"
stored() {
	grep -c "source=big uid=.*status=stored" "$LRD_LOG"
}
lr_wait_until "$WAIT" eval '[ "$(stored)" -ge "$N" ]' || lr_fail "$(stored) of $N stored in $WAIT s"
secs=$((SECONDS - start))
hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$LRD_PID/status")
lr_wait_until 30 eval '[ "$(dovecot_count big)" = 0 ]' || lr_fail "$(dovecot_count big) left in the mailbox"
lrd_stop || lr_fail "leadrouted did not stop"
[ "$(stored)" = "$N" ] || lr_fail "$(stored) stored, not $N"
[ -z "$(lrd_dup_keys)" ] || lr_fail "stored twice: $(lrd_dup_keys | head -3)"
for ((i = 0; i < N; i++)); do echo "mb-$i@gen.test"; done | LC_ALL=C sort >"$T/want"
lrd_keys >"$T/got"
cmp -s "$T/want" "$T/got" || lr_fail "stored keys differ: $(diff "$T/want" "$T/got" | head -5)"
lr_log "$N messages: each a lead once in ${secs} s; peak RSS ${hwm} MB (bound $MAX_RSS_MB MB)"
# Under AddressSanitizer the peak is its shadow memory and quarantine (260
# MB measured), not ours: the bound is checked by the plain build's run.
if grep -q __asan_init "$LRD_DAEMON"; then
	lr_log "sanitizer build: peak RSS not held to the bound"
else
	[ "$hwm" -le "$MAX_RSS_MB" ] || lr_fail "peak RSS $hwm MB over $MAX_RSS_MB MB"
fi
lr_log "ok"
