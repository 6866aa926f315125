#!/bin/sh
# check-configs.sh - `leadroute check -c NAME.conf` on every broken
# configuration in tests/check-configs must print exactly NAME.expect and
# exit 1; the example deployment and every configuration in
# tests/check-configs/good must print "configuration OK" and exit 0, both
# from their own folder and from another one (a relative @include is
# resolved against the main file's folder, never the working folder).
set -u
LEADROUTE="${LR_BUILDDIR:-.}/src/leadroute"
DIR="${LR_SRCDIR:-.}/tests/check-configs"
case "$LEADROUTE" in /*) ;; *) LEADROUTE="$(pwd)/$LEADROUTE" ;; esac
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
# clean_from FOLDER FILE - `check -c FILE` run in FOLDER must say OK.
clean_from() {
	out=$(cd "$1" && "$LEADROUTE" check -c "$2" 2>&1)
	if [ "$?" -ne 0 ] || [ "$out" != "configuration OK" ]; then
		echo "FAIL $2 checked from $1: $out"
		fail=1
	fi
}
ABSDIR=$(cd "$DIR" && pwd)
EXAMPLES=$(cd "${LR_SRCDIR:-.}/examples" && pwd)
clean_from / "$EXAMPLES/leadroute.conf"
good=0
for conf in "$ABSDIR"/good/*.conf; do
	clean_from "$ABSDIR/good" "$(basename "$conf")"
	clean_from / "$conf"
	good=$((good + 1))
done
[ "$good" -ge 1 ] || { echo "FAIL: no clean configuration found in $DIR/good"; fail=1; }
[ "$fail" -eq 0 ] && echo "ok: $n broken configurations reported exactly; the example checks clean"
exit $fail
