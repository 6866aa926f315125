#!/bin/sh
# cli-options.sh - the options of the leadroute program itself: --version,
# `-c FILE` (and --config FILE, --config=FILE) before the subcommand works
# as after it, an unknown option before the subcommand gives the usage line
# and exit 64.
set -u
: "${LR_BUILDDIR:?}" "${LR_SRCDIR:?}"
lr=$LR_BUILDDIR/src/leadroute
conf=$LR_SRCDIR/examples/leadroute.conf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

out=$("$lr" --version) || fail "--version exited $?"
[ "$out" = "leadroute $(sed -n 's/^AC_INIT(\[leadroute\], *\[\([^]]*\)\].*/\1/p' "$LR_SRCDIR/configure.ac")" ] ||
	fail "--version printed '$out'"

# A bad file: the same error and status whichever side -c is on.
"$lr" check -c "$tmp/none.conf" >"$tmp/after" 2>&1; a=$?
for form in "-c $tmp/none.conf" "--config $tmp/none.conf" "--config=$tmp/none.conf"; do
	# shellcheck disable=SC2086
	"$lr" $form check >"$tmp/before" 2>&1; b=$?
	[ "$a" = 1 ] && [ "$b" = "$a" ] || fail "'$form check' exited $b, 'check -c' $a"
	cmp -s "$tmp/before" "$tmp/after" || fail "'$form check' said $(cat "$tmp/before")"
done
# The example: both ways check it the same.
"$lr" check -c "$conf" >"$tmp/after" 2>&1; a=$?
"$lr" -c "$conf" check >"$tmp/before" 2>&1; b=$?
[ "$a" = "$b" ] && cmp -s "$tmp/before" "$tmp/after" || fail "-c before check differs from after"

"$lr" -x list >"$tmp/out" 2>"$tmp/err"; s=$?
[ "$s" = 64 ] || fail "an unknown option exited $s, not 64"
grep -q '^usage: leadroute' "$tmp/err" || fail "an unknown option gave no usage line"
"$lr" -c >"$tmp/out" 2>"$tmp/err"; s=$?
[ "$s" = 64 ] || fail "-c without a file exited $s"
echo "ok: --version, -c before the subcommand, unknown options"
