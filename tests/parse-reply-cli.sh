#!/bin/sh
# parse-reply-cli.sh - `leadroute parse-reply --json` against the .expect
# files of the corpus (tests/corpus/replies/ours) and of tests/replies, checked
# with python3; also stdin, several messages per run, and refused input.
set -eu

: "${LR_BUILDDIR:?}" "${LR_SRCDIR:?}" "${LR_CORPUS:?}"
LEADROUTE="$LR_BUILDDIR/src/leadroute"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }

# check DIR - every DIR/*.eml, one run per file, against DIR/*.expect.
check() {
	for eml in "$1"/*.eml; do
		expect="${eml%.eml}.expect"
		rcpt=$(sed -n 's/^recipient=//p' "$expect")
		if [ -n "$rcpt" ]; then
			"$LEADROUTE" parse-reply --json -r "$rcpt" "$eml" >"$tmp/out.json"
		else
			"$LEADROUTE" parse-reply --json "$eml" >"$tmp/out.json"
		fi
		python3 - "$eml" "$expect" "$tmp/out.json" <<'EOF'
import json, sys
eml, expect, out = sys.argv[1:]
lines = open(out, encoding="utf-8").read().splitlines()
assert len(lines) == 1, f"{eml}: {len(lines)} lines of output"
got = json.loads(lines[0])
for key in ("command", "argument", "auto_reply", "bounce", "token"):
    assert key in got, f"{eml}: no {key} in {got}"
def text(v):
    return {True: "true", False: "false", None: ""}.get(v, v) if not isinstance(v, str) else v
for line in open(expect, encoding="utf-8").read().splitlines():
    sep = min((i for i in (line.find("="), line.find("~")) if i >= 0), default=-1)
    if sep < 0 or line.startswith("recipient=") or line.startswith("text"):
        continue
    key, op, want = line[:sep], line[sep], line[sep + 1:]
    value = text(got.get(key))
    if op == "=" and value != want:
        sys.exit(f"{eml}: {key} is {value!r}, want {want!r}")
    if op == "~" and want not in value:
        sys.exit(f"{eml}: {key} is {value!r}, want it to contain {want!r}")
EOF
	done
}

check "$LR_SRCDIR/tests/replies"
if [ ! -d "$LR_CORPUS/replies/ours" ]; then
	echo "FAIL: no test corpus at $LR_CORPUS (set LR_CORPUS or restore tests/corpus)"
	exit 1
fi
check "$LR_CORPUS/replies/ours"

# Several messages, one of them on stdin: one JSON object per line, in order.
"$LEADROUTE" parse-reply --json "$LR_CORPUS/replies/ours/o01-outlook-accept.eml" - \
	<"$LR_CORPUS/replies/ours/o02-gmail-forward.eml" >"$tmp/many.json"
python3 - "$tmp/many.json" <<'EOF'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [o["command"] for o in objs] == ["accept", "forward"], objs
assert objs[1]["token"] == "m5n8q1s4ub", objs
EOF

# Not mail at all: exit 1 and a message naming the file; no arguments: 64.
printf '\001\002 not mail\n' >"$tmp/junk"
if "$LEADROUTE" parse-reply --json "$tmp/junk" >"$tmp/out" 2>"$tmp/err"; then
	echo "junk input accepted" >&2
	exit 1
fi
grep -q "junk" "$tmp/err"
[ ! -s "$tmp/out" ]
rc=0
"$LEADROUTE" parse-reply 2>/dev/null || rc=$?
[ "$rc" -eq 64 ]

# Text output names the command.
"$LEADROUTE" parse-reply "$LR_CORPUS/replies/ours/o01-outlook-accept.eml" | grep -q '^command: accept$'
echo "parse-reply CLI: ok"
