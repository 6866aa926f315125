#!/bin/bash
# daemon-privs.sh - leadrouted started as root binds its LMTP socket, drops
# to server.user (here nobody: uid, gid and groups checked in
# /proc/PID/status) and still takes a lead through a private Postfix and
# notifies the rep; the missing secret_file is made at its configured path
# (0600, owned by that user, in a folder only root may write) and the log
# says so.  Root with a server.user that does not exist refuses to start.
# A secret that group or others may read, or a short one, makes
# `leadroute check` fail and leadrouted refuse to start.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init daemon-privs
flow_user anna
keys=$LR_TMP/keys
mkdir -m 0755 "$keys"
secret=$keys/secret
flow_config '{ name = "all"; route = "anna"; }' '' \
	"user = \"nobody\"; secret_file = \"$secret\";"
[ -e "$secret" ] && lr_fail "check made the secret"
postfix_start

# 1. Started as root: it drops to nobody and serves.
lr_daemon_start "$FLOW_LOG.new" "unix:$FLOW_SOCK" 20 "$FLOW_LEADROUTED" -c "$FLOW_CONF" -f ||
	{ cat "$FLOW_LOG.new" >&2; lr_fail "leadrouted as root did not listen"; }
FLOW_PID=$LR_DAEMON_PID
lr_wait_until 10 grep -q 'status=dropped-root' "$FLOW_LOG.new" ||
	{ cat "$FLOW_LOG.new" >&2; lr_fail "no dropped-root line"; }
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
read -r _ u1 u2 u3 u4 < <(grep '^Uid:' "/proc/$FLOW_PID/status")
read -r _ g1 g2 g3 g4 < <(grep '^Gid:' "/proc/$FLOW_PID/status")
groups=$(grep '^Groups:' "/proc/$FLOW_PID/status" | cut -f2 | xargs)
[ "$u1 $u2 $u3 $u4" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] ||
	lr_fail "leadrouted runs with Uid $u1 $u2 $u3 $u4, want nobody ($nobody_uid)"
[ "$g1 $g2 $g3 $g4" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" ] ||
	lr_fail "leadrouted runs with Gid $g1 $g2 $g3 $g4, want $nobody_gid"
[ "$groups" = "$nobody_gid" ] || lr_fail "leadrouted keeps groups '$groups'"
for t in /proc/"$FLOW_PID"/task/*; do
	grep -q "^Uid:	$nobody_uid	$nobody_uid	$nobody_uid	$nobody_uid" "$t/status" ||
		lr_fail "thread $t is not nobody: $(grep ^Uid: "$t/status")"
done
lr_log "ok: runs as nobody (uid $nobody_uid gid $nobody_gid, every thread)"

[ -f "$secret" ] || lr_fail "no secret made at $secret"
[ "$(stat -c '%a %U %s' "$secret")" = "600 nobody 32" ] ||
	lr_fail "secret is $(stat -c '%a %U %s' "$secret")"
grep -q "secret_file=$secret status=created" "$FLOW_LOG.new" || lr_fail "the log does not say the secret was made"
[ -e "$FLOW_HOME/secret" ] && lr_fail "a fallback secret was made in the home"
lr_log "ok: secret made at the configured path, 0600, owned by nobody, logged"

flow_inject "$LR_SRCDIR/examples/inquiries/contact-form.eml" privs-1@inquiry.test
flow_wait_mail anna new-lead >/dev/null || lr_fail "no offer from the unprivileged daemon"
lr_log "ok: takes a lead over LMTP from Postfix and notifies as nobody"
flow_daemon_stop

# 2. Root, and server.user names no account: refused.
sed -i 's/user = "nobody";/user = "no-such-leadroute-user";/' "$FLOW_CONF"
out=$(timeout 30 "$FLOW_LEADROUTED" -c "$FLOW_CONF" -f 2>&1 </dev/null)
rc=$?
[ "$rc" = 78 ] || lr_fail "root without a user account: exit $rc, want 78 (EX_CONFIG): $out"
grep -q 'cannot start.*no-such-leadroute-user.*does not run as root' <<<"$out" ||
	lr_fail "root without a user account: $out"
lr_log "ok: root with a missing server.user refuses to start"
sed -i 's/user = "no-such-leadroute-user";/user = "nobody";/' "$FLOW_CONF"

# 3. A secret group or others may read, or a short one: check and start fail.
try_secret() {
	local what=$1 mode=$2 content=$3 want=$4 out rc
	printf '%s' "$content" >"$secret"
	chmod "$mode" "$secret"
	chown nobody: "$secret"
	out=$(flow_cli check -c "$FLOW_CONF" 2>&1)
	[ $? = 1 ] || lr_fail "$what: check says: $out"
	grep -q "secret file $secret: .*$want" <<<"$out" || lr_fail "$what: check says: $out"
	out=$(timeout 30 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$FLOW_LEADROUTED" -c "$FLOW_CONF" -f 2>&1 </dev/null)
	rc=$?
	[ "$rc" = 78 ] || lr_fail "$what: leadrouted exit $rc, want 78: $out"
	grep -q "cannot start: secret file $secret: .*$want" <<<"$out" ||
		lr_fail "$what: leadrouted says: $out"
	lr_log "ok: $what refused by check and by leadrouted"
}
try_secret "a group-readable secret" 0640 "0123456789abcdef0123456789abcdef" "group or others"
try_secret "a world-readable secret" 0604 "0123456789abcdef0123456789abcdef" "group or others"
try_secret "a short secret" 0600 "short" "bytes, at least 16"
printf '%s' "0123456789abcdef0123456789abcdef" >"$secret"
chmod 0600 "$secret"
out=$(flow_cli check -c "$FLOW_CONF" 2>&1) || lr_fail "a good secret: check says: $out"
lr_log "ok: a private secret checks clean"
