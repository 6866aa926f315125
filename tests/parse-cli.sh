#!/bin/sh
# parse-cli.sh - `leadroute parse --json` on the corpus inquiries and our
# golden cases (tests/parser), each checked with python3 against its
# .expect; also stdin ("-"), one JSON object per line for several messages,
# -c with fields.aliases, and the exit status of failures.
set -eu
: "${LR_BUILDDIR:?}" "${LR_SRCDIR:?}" "${LR_CORPUS:?}"
command -v python3 >/dev/null 2>&1 || { echo "python3 not found"; exit 77; }
if [ ! -d "$LR_CORPUS/inquiries" ]; then
	echo "FAIL: no test corpus at $LR_CORPUS (set LR_CORPUS or restore tests/corpus)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
exec python3 - "$LR_BUILDDIR/src/leadroute" "$tmp" \
	"$LR_CORPUS/inquiries" "$LR_SRCDIR/tests/parser" <<'PYTHON'
import glob, json, os, subprocess, sys

leadroute, tmp, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
failures = []

def run(args, stdin=None):
    return subprocess.run([leadroute, "parse"] + args, input=stdin,
                          capture_output=True, timeout=60)

def value(obj, key):
    if key == "format":
        return obj.get("format")
    if key == "note":
        return obj.get("note")
    return obj.get("fields", {}).get(key)

def check(name, obj, expect):
    for line in expect.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line == "!lead":
            if obj["is_lead"] is not False or "reason" not in obj:
                failures.append(f"{name}: expected not a lead, got {obj}")
            continue
        op = min(i for i in (line.find("="), line.find("~")) if i >= 0)
        key, want = line[:op], line[op + 1:]
        got = value(obj, key)
        if obj.get("is_lead") is not True:
            failures.append(f"{name}: not a lead ({obj.get('reason')}), expected {line}")
        elif got is None:
            failures.append(f"{name}: {key} missing, expected {line}")
        elif line[op] == "=" and got != want:
            failures.append(f"{name}: {key} is {got!r}, expected {want!r}")
        elif line[op] == "~" and want not in got:
            failures.append(f"{name}: {key} is {got!r}, expected to contain {want!r}")

emls = sorted(e for d in dirs for e in glob.glob(os.path.join(d, "*.eml")))
if len(glob.glob(os.path.join(dirs[1], "*.eml"))) < 25:
    sys.exit(f"golden cases missing in {dirs[1]}")
out = run(["--json"] + emls)
lines = out.stdout.decode().splitlines()
if out.returncode != 0 or len(lines) != len(emls):
    sys.exit(f"parse --json: status {out.returncode}, {len(lines)} lines for "
             f"{len(emls)} messages: {out.stderr.decode()}")
for eml, line in zip(emls, lines):
    with open(eml[:-4] + ".expect", encoding="utf-8") as f:
        check(os.path.basename(eml), json.loads(line), f.read())

# One message from stdin: the same object as from the file.
with open(emls[0], "rb") as f:
    one = run(["--json", "-"], stdin=f.read())
if json.loads(one.stdout) != json.loads(lines[0]):
    failures.append("stdin parse differs from the file parse")

# -c: fields.aliases from a libconfig file teaches a new label.
conf = os.path.join(tmp, "aliases.conf")
with open(conf, "w") as f:
    f.write('fields: { aliases = { company = ["Firmenbezeichnung", "Betrieb"]; '
            'budget = "Geplantes Budget"; }; };\n')
mail = (b"From: Form <form@x.example>\nTo: leads+fair@x.example\nSubject: s\n\n"
        b"Name: Ida Berg\nEmail: ida@berg.example\nFirmenbezeichnung: Berg AG\n"
        b"Geplantes Budget: 10k\n")
obj = json.loads(run(["-c", conf, "--json", "-"], stdin=mail).stdout)
if obj["fields"].get("company") != "Berg AG" or obj["fields"].get("budget") != "10k":
    failures.append(f"-c aliases not applied: {obj}")
obj = json.loads(run(["--json", "-"], stdin=mail).stdout)
if "company" in obj["fields"]:
    failures.append(f"alias applied without -c: {obj}")

# Text output, failures and misuse.
text = run([emls[0]]).stdout.decode()
if "is_lead: " not in text or "format: " not in text:
    failures.append(f"text output: {text!r}")
if run([os.path.join(tmp, "missing.eml")]).returncode != 1:
    failures.append("a missing file must exit 1")
if run([]).returncode != 64:
    failures.append("no message must exit 64")
if run(["-c", os.path.join(tmp, "missing.conf"), emls[0]]).returncode != 1:
    failures.append("a missing config must exit 1")

for f in failures:
    print("FAIL:", f)
print(f"{len(emls)} messages checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
PYTHON
