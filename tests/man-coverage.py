#!/usr/bin/env python3
"""man-coverage.py SRCDIR BUILDDIR - the man pages cover what the code knows.

Every configuration key in the loader's own key tables (any array named
*keys in rules/ and report/: string lists, or entries with `.name = "..."`)
must be an `.It Cm KEY` item of docs/leadroute.conf.5; every subcommand of
src/leadroute.c's dispatch table (and each verb of its usage, as in
`user away|back|show`) must be an `.It Cm NAME` item of docs/leadroute.1;
every option of leadrouted (src/leadrouted.c) a `Fl` of docs/leadrouted.8.
Items documented that the code does not know (yet) are listed, not failed:
the page documents what the issues specify ahead of the code.
Exit 0 when covered, 1 otherwise (with what is missing)."""
import glob
import os
import re
import sys

src, build = sys.argv[1], sys.argv[2]
failures = []


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def key_tables():
    """{(file, table): [key, ...]} from every *keys array of the readers."""
    tables = {}
    files = sorted(glob.glob(os.path.join(src, "rules", "*.c")) +
                   glob.glob(os.path.join(src, "report", "*.c")))
    decl = re.compile(r"\b(\w*keys)\s*\[\s*\w*\s*\]\s*=\s*\{", re.S)
    for path in files:
        text = strip_comments(read(path))
        for m in decl.finditer(text):
            depth, i = 1, m.end()
            while depth and i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            body = text[m.end():i - 1]
            if ".name" in body:
                names = re.findall(r"\.name\s*=\s*\"([^\"]+)\"", body)
            else:
                names = re.findall(r"\"([^\"]+)\"", body)
            if names:
                tables[(os.path.relpath(path, src), m.group(1))] = names
    return tables


def items(page):
    """The first word of every .It Cm/Ic/Va item, and every Cm word."""
    text = read(page)
    tags = set(re.findall(r"^\.It (?:Cm|Ic|Va) ([^\s]+)", text, flags=re.M))
    words = set(re.findall(r"\bCm ([^\s]+)", text))
    return tags, words, text


def check_keys():
    tables = key_tables()
    total = sum(len(v) for v in tables.values())
    server = [v for (f, t), v in tables.items() if f.endswith("server-config.c")]
    if len(tables) < 8 or total < 50 or not server or len(server[0]) < 15:
        failures.append("found only %d key tables (%d keys; server group: %s) in the "
                        "code: has the loader's layout changed? Teach this test." %
                        (len(tables), total, server[0] if server else "none"))
    tags, _, _ = items(os.path.join(build, "docs", "leadroute.conf.5"))
    known = set()
    for (path, table), names in sorted(tables.items()):
        for key in names:
            known.add(key)
            if key not in tags:
                failures.append("leadroute.conf(5) lacks key '%s' (%s: %s[])" %
                                (key, path, table))
    ahead = sorted(tags - known)
    print("keys: %d in %d tables, all documented%s" %
          (total, len(tables), "" if not [f for f in failures if "lacks key" in f]
           else " EXCEPT those below"))
    if ahead:
        print("documented, not (yet) known to the loader: " + ", ".join(ahead))


def check_commands():
    text = strip_comments(read(os.path.join(src, "src", "leadroute.c")))
    m = re.search(r"\bcommands\s*\[\s*\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if not m:
        failures.append("src/leadroute.c: no commands[] table found: teach this test")
        return
    body = m.group(1)
    entries = re.findall(r"\{\s*(?:\.name\s*=\s*)?\"([a-z][a-z-]*)\"(.*?)\}", body, re.S)
    if len(entries) < 8:
        failures.append("src/leadroute.c: only %d subcommands found" % len(entries))
    tags, words, page = items(os.path.join(build, "docs", "leadroute.1"))
    for name, rest in entries:
        if name not in tags:
            failures.append("leadroute(1) lacks subcommand '%s'" % name)
            continue
        usage = re.findall(r"\"([^\"]*)\"", rest)
        first = usage[0].split()[1:2] if usage and usage[0].startswith(name + " ") else []
        if first and "|" in first[0] and not first[0].startswith(("-", "[")):
            line = re.search(r"^\.It Cm %s .*$" % re.escape(name), page, re.M)
            for verb in first[0].split("|"):
                if not line or not re.search(r"[\s|]%s\b" % re.escape(verb), line.group(0)):
                    failures.append("leadroute(1): '%s %s' is not in the item of '%s'" %
                                    (name, verb, name))
    print("subcommands: %d, all documented%s" %
          (len(entries), "" if not [f for f in failures if "leadroute(1)" in f]
           else " EXCEPT those below"))


def check_daemon():
    text = read(os.path.join(src, "src", "leadrouted.c"))
    opts = re.findall(r"\{\"([a-z-]+)\",\s*'(\w)',\s*0,\s*G_OPTION_ARG", text)
    page = read(os.path.join(build, "docs", "leadrouted.8"))
    flags = set(re.findall(r"\bFl ([a-z]+)", page))
    for long, short in opts:
        if not set(short) <= set("".join(flags)):
            failures.append("leadrouted(8) lacks option -%s (--%s)" % (short, long))
    if len(opts) < 3:
        failures.append("src/leadrouted.c: only %d options found" % len(opts))
    for word in ("SIGHUP", "SIGTERM", "EXIT STATUS", "FILES", "LOG_MAIL", "transport_maps"):
        if word not in page:
            failures.append("leadrouted(8) does not mention %s" % word)
    print("leadrouted options: %d, documented" % len(opts))


check_keys()
check_commands()
check_daemon()
for f in failures:
    print("FAIL: " + f)
sys.exit(1 if failures else 0)
