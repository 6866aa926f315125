#!/usr/bin/env python3
"""flow.py - the mail-client side of the workflow tests (tests/lib/flow.sh).

Subcommands (each prints its result on stdout, exits 1 with a message on
stderr when it cannot):
  mails MAILDIR [--kind K] [--lead ID]
      paths of the messages in MAILDIR (new/ and cur/), in delivery order,
      optionally only leadroute's notifications of kind K about lead ID
  header FILE NAME          one header's value, decoded ("" when absent)
  text FILE                 the text/plain body, decoded
  decoded FILE              every header (decoded), then every part that is
      text (plain, HTML, text attachments: decoded) and the file name of
      each other attachment
  reply NOTIF --from ADDR [--name NAME] [--to ADDR] [--body TEXT]
        [--header 'Name: value'...] [--auto-reply UNTIL]
      a reply to the notification NOTIF as a mail client writes it: To the
      Reply-To (or --to), Subject "Re: ...", In-Reply-To and References,
      BODY above "On DATE, Lead Desk wrote:" and the notification's text
      quoted with "> "; --auto-reply makes it an out-of-office message
      (Auto-Submitted: auto-replied, "I am out of the office until UNTIL")
  send PORT FROM TO FILE    submit FILE over SMTP to 127.0.0.1:PORT (FROM ""
      is the null sender)
  lead JSONFILE EXPR        evaluate a Python expression over the lead
      (`leadroute show --json`) bound to `lead`; print the value; exit 1
      when it is false; `events` is the list of event types and
      since(TYPE, N=0) the seconds from the first event to the Nth TYPE
  events JSONFILE           the lead's event types in order, one line
  find LISTFILE MSGID       the id of the routed lead (`leadroute list
      --json`) made of the inquiry MSGID; exit 1 when there is none
"""
import argparse
import datetime
import email
import email.policy
import json
import os
import re
import signal
import smtplib
import sys
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid

MAILDIR_NAME = re.compile(r"^(\d+)\.(?:.*?M(\d+))?")


def die(msg):
    """Print msg and exit 1."""
    print("flow.py: " + msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    """The message in path, parsed with the modern policy."""
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def delivery_key(path):
    """Order of delivery: the Maildir name's seconds and microseconds."""
    m = MAILDIR_NAME.match(os.path.basename(path))
    if not m:
        return (os.stat(path).st_mtime, 0, path)
    return (int(m.group(1)), int(m.group(2) or 0), path)


def cmd_mails(a):
    """List a Maildir's messages in delivery order, filtered."""
    paths = []
    for sub in ("new", "cur"):
        d = os.path.join(a.maildir, sub)
        if os.path.isdir(d):
            paths += [os.path.join(d, n) for n in os.listdir(d)]
    for p in sorted(paths, key=delivery_key):
        if a.kind or a.lead:
            try:
                m = load(p)
            except OSError:
                continue
            if a.kind and m.get("X-Leadroute-Kind", "") != a.kind:
                continue
            if a.lead and m.get("X-Leadroute-Lead", "") != a.lead:
                continue
        print(p)


def plain_text(msg):
    """The text/plain body of msg (the first one), or ""."""
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def cmd_header(a):
    """Print one header."""
    print(load(a.file).get(a.name, ""))


def cmd_text(a):
    """Print the text body."""
    sys.stdout.write(plain_text(load(a.file)))


def cmd_decoded(a):
    """Print the headers and every part, decoded."""
    msg = load(a.file)
    for name, value in msg.items():
        print("%s: %s" % (name, value))
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        if part.get_content_maintype() == "text":
            print("--- %s %s" % (part.get_content_type(), name))
            sys.stdout.write(part.get_content())
        else:
            print("--- %s attachment %s" % (part.get_content_type(), name))


def reply_body(notif, body):
    """BODY, the attribution line, the notification's text quoted."""
    quoted = "\n".join(("> " + l) if l else ">" for l in plain_text(notif).splitlines())
    name = getaddresses([notif.get("From", "")])[0][0] or "Lead Desk"
    return "%s\n\nOn %s, %s wrote:\n%s\n" % (body, notif.get("Date", "today"), name, quoted)


def cmd_reply(a):
    """Print a reply to a notification, as a mail client writes it."""
    notif = load(a.notif)
    to = a.to or notif.get("Reply-To", "")
    if not to:
        die("%s has no Reply-To" % a.notif)
    subject = str(notif.get("Subject", ""))
    msg = EmailMessage()
    msg["From"] = "%s <%s>" % (a.name, a.sender) if a.name else a.sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=a.sender.split("@")[-1])
    mid = notif.get("Message-ID", "")
    if mid:
        refs = notif.get("References", "")
        msg["In-Reply-To"] = mid
        msg["References"] = (refs + " " + mid).strip()
    body = a.body
    if a.auto_reply:
        msg["Subject"] = "Out of Office: " + subject
        msg["Auto-Submitted"] = "auto-replied"
        body = ("I am out of the office until %s and will not read mail before.\n"
                "For urgent matters please call the front desk." % a.auto_reply)
        msg.set_content(body + "\n")
    else:
        msg["Subject"] = subject if subject.lower().startswith("re:") else "Re: " + subject
        msg.set_content(reply_body(notif, body))
    for h in a.header:
        name, _, value = h.partition(":")
        del msg[name.strip()]
        msg[name.strip()] = value.strip()
    sys.stdout.buffer.write(msg.as_bytes(policy=email.policy.SMTP.clone(linesep="\n")))


def cmd_send(a):
    """Submit one message over SMTP."""
    with open(a.file, "rb") as f:
        data = f.read()
    with smtplib.SMTP("127.0.0.1", int(a.port), "client.reps.test", 30) as s:
        s.sendmail(a.sender, [a.to], data)


def read_lead(path):
    """The lead object of a `show --json` file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError as e:
        die("%s: not JSON (%s): %.200s" % (path, e, text))


def event_clock(lead):
    """since(TYPE, N=0): seconds from the lead's first event to the Nth
    event of TYPE (None when there is no such event)."""
    def stamp(e):
        return datetime.datetime.fromisoformat(e["at"].replace("Z", "+00:00")).timestamp()
    evs = lead.get("events", [])

    def since(kind, n=0):
        hits = [e for e in evs if e.get("type") == kind]
        return stamp(hits[n]) - stamp(evs[0]) if len(hits) > n else None
    return since


def cmd_lead(a):
    """Evaluate an expression over the lead; false is a failure."""
    lead = read_lead(a.json)
    events = [e.get("type") for e in lead.get("events", [])]
    names = {"lead": lead, "events": events, "re": re, "since": event_clock(lead)}
    value = eval("(" + a.expr + ")", names)  # the tests' own expressions
    print(value if isinstance(value, str) else json.dumps(value, default=str))
    if not value:
        sys.exit(1)


def cmd_events(a):
    """Print the event types in order."""
    print(" ".join(e.get("type", "?") for e in read_lead(a.json).get("events", [])))


def cmd_find(a):
    """Print the id of the routed lead whose message key is a.key."""
    for lead in read_lead(a.json):
        if lead.get("message_key") == a.key and lead.get("status") != "new":
            print(lead["id"])
            return
    sys.exit(1)


def main():
    """Parse arguments and run one subcommand."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends us quietly
    p = argparse.ArgumentParser(prog="flow.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("mails")
    s.add_argument("maildir")
    s.add_argument("--kind")
    s.add_argument("--lead")
    s.set_defaults(func=cmd_mails)
    s = sub.add_parser("header")
    s.add_argument("file")
    s.add_argument("name")
    s.set_defaults(func=cmd_header)
    s = sub.add_parser("text")
    s.add_argument("file")
    s.set_defaults(func=cmd_text)
    s = sub.add_parser("decoded")
    s.add_argument("file")
    s.set_defaults(func=cmd_decoded)
    s = sub.add_parser("reply")
    s.add_argument("notif")
    s.add_argument("--from", dest="sender", required=True)
    s.add_argument("--name", default="")
    s.add_argument("--to", default="")
    s.add_argument("--body", default="")
    s.add_argument("--header", action="append", default=[])
    s.add_argument("--auto-reply", default="")
    s.set_defaults(func=cmd_reply)
    s = sub.add_parser("send")
    s.add_argument("port")
    s.add_argument("sender")
    s.add_argument("to")
    s.add_argument("file")
    s.set_defaults(func=cmd_send)
    s = sub.add_parser("lead")
    s.add_argument("json")
    s.add_argument("expr")
    s.set_defaults(func=cmd_lead)
    s = sub.add_parser("events")
    s.add_argument("json")
    s.set_defaults(func=cmd_events)
    s = sub.add_parser("find")
    s.add_argument("json")
    s.add_argument("key")
    s.set_defaults(func=cmd_find)
    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
