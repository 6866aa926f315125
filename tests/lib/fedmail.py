#!/usr/bin/env python3
"""fedmail.py - exchange mails for the federation tests: signed the way
leadroute signs them (HMAC-SHA256 over "leadroute-exchange-v1\\n" T "\\n"
PEER "\\n" XML under the shared secret, trailing whitespace of the secret
file dropped), or deliberately not.

  fedmail.py xml MAIL                 print the exchange document of MAIL
  fedmail.py mail --xml FILE --secret FILE --peer P [--t T] [--msgid ID]
                  [--sig VALUE] --to ADDR --from ADDR
                                      print an exchange mail
  fedmail.py remsgid MAIL ID          print MAIL with a new Message-ID
"""
import argparse
import email
import email.policy
import hashlib
import hmac
import sys
import time
from email.message import EmailMessage


def load(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def cmd_xml(a):
    for part in load(a.mail).walk():
        if part.get_content_type() == "application/vnd.leadroute+xml":
            sys.stdout.buffer.write(part.get_payload(decode=True))
            return
    sys.exit("no exchange part in %s" % a.mail)


def sign(secret, peer, t, xml):
    head = ("leadroute-exchange-v1\n%d\n%s\n" % (t, peer)).encode()
    return hmac.new(secret, head + xml, hashlib.sha256).hexdigest()


def cmd_mail(a):
    with open(a.xml, "rb") as f:
        xml = f.read()
    with open(a.secret, "rb") as f:
        secret = f.read().rstrip()
    t = int(a.t if a.t is not None else time.time())
    sig = a.sig or "t=%d; peer=%s; v1=%s" % (t, a.peer, sign(secret, a.peer, t, xml))
    msg = EmailMessage()
    msg["From"] = a.sender
    msg["To"] = a.to
    msg["Subject"] = "[leadroute test] exchange"
    msg["Message-ID"] = "<%s>" % (a.msgid or "fedmail.%d.%f@test" % (t, time.time()))
    msg["X-Leadroute-Signature"] = sig
    msg.set_content("A test exchange.\n")
    msg.add_attachment(xml, maintype="application", subtype="vnd.leadroute+xml",
                       filename="exchange.xml")
    sys.stdout.buffer.write(msg.as_bytes(policy=email.policy.SMTP))


def cmd_remsgid(a):
    with open(a.mail, "rb") as f:
        data = f.read()
    head, sep, body = data.partition(b"\n\n")
    lines = [l for l in head.split(b"\n") if not l.lower().startswith(b"message-id:")]
    lines.insert(0, b"Message-ID: <" + a.msgid.encode() + b">")
    sys.stdout.buffer.write(b"\n".join(lines) + sep + body)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("xml")
    s.add_argument("mail")
    s.set_defaults(fn=cmd_xml)
    s = sub.add_parser("mail")
    s.add_argument("--xml", required=True)
    s.add_argument("--secret", required=True)
    s.add_argument("--peer", required=True)
    s.add_argument("--t", type=int)
    s.add_argument("--msgid")
    s.add_argument("--sig")
    s.add_argument("--to", required=True)
    s.add_argument("--from", dest="sender", required=True)
    s.set_defaults(fn=cmd_mail)
    s = sub.add_parser("remsgid")
    s.add_argument("mail")
    s.add_argument("msgid")
    s.set_defaults(fn=cmd_remsgid)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
