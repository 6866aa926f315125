#!/bin/sh
# route-examples.sh - every lead inquiry of the corpus routes as
# examples/expected-routes.txt says, through `leadroute route --dry-run
# --json` with the example deployment; every lead in the corpus is listed.
set -u
LEADROUTE="${LR_BUILDDIR:-.}/src/leadroute"
EXAMPLES="${LR_SRCDIR:-.}/examples"
CORPUS="${LR_CORPUS:-${LR_SRCDIR:-.}/tests/corpus}/inquiries"
if [ ! -d "$CORPUS" ]; then
	echo "FAIL: no test corpus at $CORPUS (set LR_CORPUS or restore tests/corpus)"
	exit 1
fi
AT=2026-11-17T15:00:00Z
fail=0
n=0
for eml in "$CORPUS"/*.eml; do
	name=$(basename "$eml")
	expect="${eml%.eml}.expect"
	if grep -qx '!lead' "$expect" 2>/dev/null; then
		continue
	fi
	line=$(grep -v '^#' "$EXAMPLES/expected-routes.txt" | awk -v n="$name" '$1 == n')
	if [ -z "$line" ]; then
		echo "FAIL $name: not listed in examples/expected-routes.txt"
		fail=1
		continue
	fi
	want_assignees=$(echo "$line" | awk '{print $2}')
	want_holders=$(echo "$line" | awk '{print $3}')
	json=$(cd "$EXAMPLES" && "$LEADROUTE" route --dry-run --json -c leadroute.conf --at "$AT" "$eml")
	if [ $? -ne 0 ]; then
		echo "FAIL $name: route --dry-run failed"
		fail=1
		continue
	fi
	got=$(printf '%s' "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["rules"] and all(k in r for k in ("priority", "attachments", "withheld")), r
print(",".join(r["assignees"]), ",".join(r["holders"]))')
	n=$((n + 1))
	if [ "$got" != "$want_assignees $want_holders" ]; then
		echo "FAIL $name: got '$got', want '$want_assignees $want_holders'"
		fail=1
	fi
done
[ "$n" -ge 1 ] || { echo "FAIL: no lead inquiries found in $CORPUS"; fail=1; }
[ "$fail" -eq 0 ] && echo "ok: $n corpus leads routed as examples/expected-routes.txt says"
exit $fail
