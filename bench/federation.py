#!/usr/bin/env python3
"""federation.py - the client and the arithmetic of bench/federation.

  federation.py send PORT RATE COUNT TAG FILE > SENT
      submit COUNT copies of the inquiry FILE to the relay at 127.0.0.1:PORT,
      RATE a second over one SMTP connection, Subject "TAG-N", and print
      "N TIME" for each (TIME: when the relay's 250 came back)
  federation.py stats SENT MAILDIR
      match each notification in MAILDIR (Subject names TAG-N) with its
      submission; print "count missing p50_ms p99_ms max_ms"
"""
import email
import email.policy
import os
import re
import smtplib
import sys
import time

MAILDIR_NAME = re.compile(r"^(\d+)\.[^.]*M(\d+)")


def cmd_send(port, rate, count, tag, path):
    with open(path, "rb") as f:
        raw = f.read()
    head, sep, body = raw.partition(b"\n\n")
    lines = [l for l in head.split(b"\n")
             if not l.lower().startswith((b"subject:", b"message-id:"))]
    start = time.time()
    with smtplib.SMTP("127.0.0.1", int(port), "bench.test", 60) as s:
        for n in range(int(count)):
            due = start + n / float(rate)
            if due > time.time():
                time.sleep(due - time.time())
            msg = b"\n".join([b"Subject: %s-%d" % (tag.encode(), n),
                              b"Message-ID: <%s-%d-%d@bench.test>" % (tag.encode(), n, start)]
                             + lines) + sep + body
            s.sendmail("form@inquiry.test", ["leads@leads.test"], msg)
            print(n, "%.6f" % time.time(), flush=True)


def arrival(path):
    m = MAILDIR_NAME.match(os.path.basename(path))
    return int(m.group(1)) + int(m.group(2)) / 1e6 if m else os.stat(path).st_mtime


def cmd_stats(sent_path, maildir):
    sent = {}
    with open(sent_path) as f:
        for line in f:
            n, t = line.split()
            sent[int(n)] = float(t)
    got = {}
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            if msg.get("X-Leadroute-Kind", "") != "new-lead":
                continue
            m = re.search(r"-(\d+)\b", str(msg.get("Subject", "")))
            if m and int(m.group(1)) in sent:
                got.setdefault(int(m.group(1)), arrival(p))
    lat = sorted((got[n] - sent[n]) * 1000 for n in got)
    if not lat:
        print(0, len(sent), "-", "-", "-")
        return
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(len(lat), len(sent) - len(lat), "%.0f" % pick(0.50), "%.0f" % pick(0.99),
          "%.0f" % lat[-1])


if __name__ == "__main__":
    if sys.argv[1] == "send":
        cmd_send(*sys.argv[2:7])
    elif sys.argv[1] == "stats":
        cmd_stats(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
