#!/bin/sh
# check-configs.sh - `leadroute check -c NAME.conf` on every broken
# configuration in tests/check-configs must print exactly NAME.expect and
# exit 1; the example deployment must print "configuration OK" and exit 0.
set -u
LEADROUTE="${LR_BUILDDIR:-.}/src/leadroute"
DIR="${LR_SRCDIR:-.}/tests/check-configs"
fail=0
n=0
for conf in "$DIR"/*.conf; do
	name=$(basename "$conf" .conf)
	out=$(cd "$DIR" && "$LEADROUTE" check -c "$name.conf")
	rc=$?
	n=$((n + 1))
	if [ "$rc" -ne 1 ]; then
		echo "FAIL $name: exit $rc, want 1"
		fail=1
	fi
	if ! printf '%s\n' "$out" | diff -u "$DIR/$name.expect" - ; then
		echo "FAIL $name: output differs (above)"
		fail=1
	fi
done
[ "$n" -ge 10 ] || { echo "FAIL: only $n broken configurations found in $DIR"; fail=1; }
out=$(cd "${LR_SRCDIR:-.}/examples" && "$LEADROUTE" check -c leadroute.conf)
if [ "$?" -ne 0 ] || [ "$out" != "configuration OK" ]; then
	echo "FAIL examples/leadroute.conf: $out"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "ok: $n broken configurations reported exactly; the example checks clean"
exit $fail
