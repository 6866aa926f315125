#!/bin/bash
# daemon-start-fail.sh - leadrouted that cannot set up its router (a
# 3-byte reply-token secret) says "cannot start: ..." and exits 78
# (EX_CONFIG), not abort (134) from freeing the configuration twice.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
lr_tmpdir daemon-start-fail
lrd_init "$LR_TMP/lr" "secret_file = \"$LR_TMP/lr/short-secret\";"
printf 'abc' >"$LR_TMP/lr/short-secret"
chmod 0600 "$LR_TMP/lr/short-secret"
# Started as root, leadrouted reads it as server.user (LRD_OWNER).
if [ -n "${LRD_OWNER:-}" ]; then chown "$LRD_OWNER:" "$LR_TMP/lr/short-secret" || lr_fail "chown"; fi
timeout 60 "$LRD_DAEMON" -f -c "$LRD_CONF" >"$LRD_LOG" 2>&1
rc=$?
[ "$rc" = 78 ] || { cat "$LRD_LOG"; lr_fail "leadrouted exited $rc, want 78 (EX_CONFIG)"; }
grep -q "cannot start: secret file .*short-secret: 3 bytes" "$LRD_LOG" ||
	{ cat "$LRD_LOG"; lr_fail "no 'cannot start' line naming the secret"; }
echo "ok: a 3-byte secret: 'cannot start', exit 78"
