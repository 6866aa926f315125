#!/bin/bash
# deliver-include.sh - the pipe deliverer and the CLI read the configuration
# the way the daemon does: a relative @include and relative paths in the
# included server group are taken from the main file's folder, so that
# leadroute-deliver run from any working folder (Postfix's pipe(8) runs it
# from its queue folder) stores the message instead of deferring it.
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
lr_tmpdir deliver-include
lrd_init "$LR_TMP/lr"
# The same deployment, its server group in an included file with a
# relative home ("home", next to leadroute.conf).
mkdir -p "$LRD_DIR/parts"
sed -n '/^server: {/,/^};/p' "$LRD_CONF" | sed "s|home = \"$LRD_HOME\";|home = \"home\";|" \
	>"$LRD_DIR/parts/server.conf"
grep -q 'home = "home";' "$LRD_DIR/parts/server.conf" || lr_fail "could not write the include"
{ echo '@include "parts/server.conf"'; sed '/^server: {/,/^};/d' "$LRD_CONF"; } >"$LRD_DIR/main.conf"
mv "$LRD_DIR/main.conf" "$LRD_CONF"
lrd_start || { cat "$LRD_LOG" >&2; lr_fail "leadrouted did not start"; }
elsewhere=$(mktemp -d /tmp/lr-elsewhere.XXXXXX) || lr_fail "mktemp"
lr_on_exit "rm -rf '$elsewhere'"
printf 'From: A <a@example.org>\nSubject: q\nMessage-ID: <inc-1@example.org>\n\nName: A\nPlease call.\n' \
	>"$LR_TMP/m.eml"
out=$(cd "$elsewhere" && "$LRD_DELIVER" -c "$LRD_CONF" -r leads@leads.test -s a@example.org \
	<"$LR_TMP/m.eml")
rc=$?
[ "$rc" = 0 ] || lr_fail "leadroute-deliver from $elsewhere: exit $rc: $out"
case "$out" in "2.0.0 lead "*" stored") ;; *) lr_fail "leadroute-deliver said: $out" ;; esac
[ ! -e "$elsewhere/home" ] || lr_fail "a home was made in the working folder"
n=$(cd "$elsewhere" && "$LRD_CLI" list -c "$LRD_CONF" --json |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)))') || lr_fail "list from $elsewhere"
[ "$n" = 1 ] || lr_fail "$n leads in the store, want 1"
out=$(cd "$elsewhere" && "$LRD_CLI" check -c "$LRD_CONF")
[ "$out" = "configuration OK" ] || lr_fail "check from $elsewhere: $out"
lrd_stop 30 || lr_fail "leadrouted did not stop"
echo "ok: deliver, list and check read a relative @include from another folder"
