#!/bin/sh
# peer-secret.sh - `leadroute peer-secret` prints a new 256-bit secret (64
# hex digits, a new one each run); -o FILE writes it to a new file of mode
# 0600 whatever the umask, refuses an existing file (which stays as it
# was), and leadroute check accepts the file as a secret_file.
set -u
LEADROUTE="${LR_BUILDDIR:-.}/src/leadroute"
case "$LEADROUTE" in /*) ;; *) LEADROUTE="$(pwd)/$LEADROUTE" ;; esac
fail=0
say() { echo "FAIL: $*"; fail=1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

a=$("$LEADROUTE" peer-secret) || say "peer-secret exit $?"
b=$("$LEADROUTE" peer-secret) || say "peer-secret exit $?"
printf '%s\n' "$a" | grep -Eqx '[0-9a-f]{64}' || say "not 64 hex digits: '$a'"
[ "$a" != "$b" ] || say "two runs printed the same secret"

(umask 022 && "$LEADROUTE" peer-secret -o "$tmp/north.secret") || say "-o exit $?"
[ "$(stat -c %a "$tmp/north.secret")" = 600 ] ||
	say "mode $(stat -c %a "$tmp/north.secret"), want 600"
grep -Eqx '[0-9a-f]{64}' "$tmp/north.secret" || say "file holds no secret"
before=$(cat "$tmp/north.secret")
if "$LEADROUTE" peer-secret -o "$tmp/north.secret" 2>"$tmp/err"; then
	say "an existing file was overwritten"
fi
grep -q "File exists" "$tmp/err" || say "no clear error: $(cat "$tmp/err")"
[ "$(cat "$tmp/north.secret")" = "$before" ] || say "the existing file changed"
"$LEADROUTE" peer-secret extra >/dev/null 2>&1
[ $? -eq 64 ] || say "an extra argument is not a usage error"

# The file is a secret the server accepts (mode and length checked).
cat >"$tmp/leadroute.conf" <<CONF
server: { home = "$tmp/home"; secret_file = "$tmp/north.secret"; };
users = ( { id = "dana"; email = "dana@x.example"; role = "admin"; } );
CONF
out=$("$LEADROUTE" check -c "$tmp/leadroute.conf" 2>&1)
[ "$out" = "configuration OK" ] || say "check: $out"
[ "$fail" -eq 0 ] && echo "ok: peer-secret prints and writes private secrets"
exit $fail
