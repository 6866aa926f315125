#!/usr/bin/env python3
"""source-gen.py CORPUS OUTDIR N PREFIX [SIZE] - write N inquiries as files
OUTDIR/PREFIX-I.eml, each with Message-ID <PREFIX-I@gen.test>: the corpus's
inquiries in turn (their Message-ID replaced) and generated form mails,
padded to about SIZE bytes when SIZE is given."""
import glob
import os
import re
import sys

corpus, out, n, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
size = int(sys.argv[5]) if len(sys.argv) > 5 else 0
templates = [open(f, 'rb').read() for f in sorted(glob.glob(os.path.join(corpus, 'inquiries', '*.eml')))]


def generated(i):
    return ('From: Web Form <form@site.test>\r\nTo: leads@acme.test\r\n'
            'Subject: Inquiry %d\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n\r\n'
            'Name: Person %d\r\nEmail: person%d@example.test\r\nPhone: +49 30 %07d\r\n'
            'Company: Firm %d\r\nMessage: please call me back\r\n' % (i, i, i, i, i)).encode()


def with_id(raw, mid):
    head, sep, body = raw.partition(b'\r\n\r\n')
    if not sep:
        head, sep, body = raw.partition(b'\n\n')
    nl = b'\r\n' if sep == b'\r\n\r\n' else b'\n'
    head = re.sub(rb'(?im)^message-id:.*(\r?\n[ \t].*)*\r?\n?', b'', head + nl).rstrip(b'\r\n')
    return b'Message-ID: <' + mid.encode() + b'>' + nl + head + sep + body


os.makedirs(out, exist_ok=True)
for i in range(n):
    raw = templates[i % len(templates)] if templates and i % 3 == 0 else generated(i)
    raw = with_id(raw, '%s-%d@gen.test' % (prefix, i))
    if size and len(raw) < size:
        raw += b'\r\n' + (b'x' * 70 + b'\r\n') * ((size - len(raw)) // 72)
    with open(os.path.join(out, '%s-%d.eml' % (prefix, i)), 'wb') as f:
        f.write(raw)
