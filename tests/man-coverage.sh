#!/bin/sh
# man-coverage.sh - the man pages document every configuration key the
# loader knows and every subcommand of leadroute (tests/man-coverage.py
# reads both from the code's own tables), and mandoc -Tlint finds no
# warning or error in them.  mandoc is a dependency (scripts/deps.sh):
# without it the test fails.
set -u
: "${LR_SRCDIR:=.}" "${LR_BUILDDIR:=.}"
fail=0
for page in leadroute.1 leadroute.conf.5 leadrouted.8; do
	[ -f "$LR_BUILDDIR/docs/$page" ] || { echo "FAIL: docs/$page was not built"; exit 1; }
done
python3 "$LR_SRCDIR/tests/man-coverage.py" "$LR_SRCDIR" "$LR_BUILDDIR" || fail=1
if ! command -v mandoc >/dev/null 2>&1; then
	echo "FAIL: mandoc is not installed (sh scripts/deps.sh)"
	exit 1
fi
for page in leadroute.1 leadroute.conf.5 leadrouted.8; do
	out=$(mandoc -Tlint -Wwarning "$LR_BUILDDIR/docs/$page" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: mandoc -Tlint docs/$page:"
		echo "$out"
		fail=1
	fi
	# The page renders, and its text names no unsubstituted @folder@.
	text=$(mandoc -Tascii "$LR_BUILDDIR/docs/$page" 2>&1) || { echo "FAIL: $page"; fail=1; }
	case "$text" in *@*dir@*) echo "FAIL: docs/$page has an unsubstituted @...dir@"; fail=1 ;; esac
done
[ "$fail" -eq 0 ] && echo "PASS: man pages cover the code and lint clean"
exit "$fail"
