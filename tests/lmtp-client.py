#!/usr/bin/env python3
"""lmtp-client.py - an LMTP client for leadroute's end-to-end tests.

  lmtp-client.py load ADDR --count N [--sessions S] [--prefix P]
                 [--deadline SEC] [--report FILE] [--progress FILE]
                 [--size BYTES] [--ids-file FILE]
      Sends N lead messages with the Message-IDs <P-000000@e2e.test> ...
      over S concurrent sessions (each kept open for many messages).  A
      message counts as delivered only on a 250 reply to DATA.  On a 4xx
      reply, a dropped connection or a refused connect the message goes
      back to the queue and is sent again (with a new X-Attempt header, so
      only the Message-ID makes it the same lead) until it is acknowledged
      or the deadline passes.  Writes a JSON report: sent, acked (ids in the
      order acknowledged), unacked, refused (id -> reply), counters.  The
      progress file holds the number acknowledged so far.  --ids-file:
      send one message per line of FILE (a Message-ID, brackets optional)
      instead of --count generated ones.
      Exit 0 when every message got 250; 1 otherwise.

  lmtp-client.py bad-input ADDR --max-size BYTES --timeout SEC
                 [--min-rate BYTES_PER_SEC] [--prefix P] [--report FILE]
      Hostile and odd input over raw sockets; prints one line per case and
      writes the Message-IDs that must now be stored (--report, JSON list).
      Exit 0 when every case got the expected answer; 1 otherwise.

ADDR is unix:PATH or inet:HOST:PORT.  Every socket operation has a timeout
and every loop a bound: the client always ends.
"""
import argparse
import json
import os
import random
import re
import socket
import sys
import threading
import time

# How long the client waits for a reply.  This is the client's patience,
# not a claim about the server: under valgrind on a loaded machine a reply
# to a 1 MB line took 34 s, so intake-valgrind.sh sets LR_CLIENT_PATIENCE.
# The timeouts the cases assert about (the session's own) are not scaled.
PATIENCE = float(os.environ.get("LR_CLIENT_PATIENCE", "1"))
IO_TIMEOUT = 60.0 * PATIENCE


class LmtpError(Exception):
    """The connection failed or the server closed it."""


class Conn:
    """One LMTP connection with a buffered reply reader."""

    def __init__(self, addr, timeout=IO_TIMEOUT):
        if addr.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target = addr[5:]
        elif addr.startswith("inet:"):
            host, port = addr[5:].rsplit(":", 1)
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            target = (host, int(port))
        else:
            raise ValueError("bad address " + addr)
        self.sock.settimeout(timeout)
        self.buf = b""
        try:
            self.sock.connect(target)
        except OSError as e:
            self.sock.close()
            raise LmtpError("connect: %s" % e) from e

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise LmtpError("send: %s" % e) from e

    def line(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except OSError as e:
                raise LmtpError("recv: %s" % e) from e
            if not chunk:
                raise LmtpError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("latin-1")

    def reply(self):
        """One (possibly multi-line) reply: (code, last line)."""
        while True:
            text = self.line()
            if len(text) < 3 or not text[:3].isdigit():
                raise LmtpError("bad reply %r" % text)
            if len(text) == 3 or text[3] != "-":
                return int(text[:3]), text

    def command(self, text):
        self.send(text.encode() + b"\r\n")
        return self.reply()

    def hello(self):
        code, text = self.reply()
        if code != 220:
            raise LmtpError("greeting: " + text)
        code, text = self.command("LHLO e2e.test")
        if code != 250:
            raise LmtpError("LHLO: " + text)

    def transaction(self, sender, rcpt, message, mail_args=""):
        """MAIL, RCPT, DATA: the DATA reply (or the first failing one)."""
        code, text = self.command("MAIL FROM:<%s>%s" % (sender, mail_args))
        if code != 250:
            self.command("RSET")
            return code, text
        code, text = self.command("RCPT TO:<%s>" % rcpt)
        if code != 250:
            self.command("RSET")
            return code, text
        code, text = self.command("DATA")
        if code != 354:
            return code, text
        self.send(dot_stuff(message) + b".\r\n")
        return self.reply()


def dot_stuff(message):
    """CRLF line ends, leading dots doubled, a final CRLF."""
    lines = message.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = [(b"." + l if l.startswith(b".") else l) for l in lines]
    return b"\r\n".join(out) + b"\r\n"


def lead_message(msgid, number, attempt, size):
    """A contact-form lead; the X-Attempt header differs on every try."""
    body = ("Name: Customer %d\nCompany: Example %d Ltd\nEmail: c%d@example.org\n"
            "Phone: +46 8 555 %04d\nMessage: please send a quote for %d seats.\n"
            % (number, number, number, number % 10000, number % 500 + 1))
    pad = max(0, size - len(body) - 300)
    body += "".join("Note: %s\n" % ("x" * 70) for _ in range(pad // 77))
    head = ("From: Web Form <form@example.org>\nTo: leads@leads.test\n"
            "Subject: Website inquiry %d\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n"
            "Message-ID: %s\nX-Attempt: %d\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n\n" % (number, msgid, attempt))
    return (head + body).encode()


class Load:
    """Shared state of a load run."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.ids = None
        if args.ids_file:
            with open(args.ids_file) as f:
                self.ids = ["<%s>" % l.strip().strip("<>") for l in f if l.strip()]
            args.count = len(self.ids)
        self.pending = list(range(args.count))
        self.pending.reverse()
        self.inflight = 0
        self.attempts = [0] * args.count
        self.acked = []
        self.acked_set = set()
        self.refused = {}
        self.stats = {"tempfail": 0, "conn_errors": 0, "connects": 0, "retries": 0}
        self.deadline = time.monotonic() + args.deadline

    def msgid(self, i):
        if self.ids is not None:
            return self.ids[i]
        return "<%s-%06d@e2e.test>" % (self.args.prefix, i)

    def take(self):
        """The next message to send, or None when all are done."""
        while time.monotonic() < self.deadline:
            with self.lock:
                if self.pending:
                    self.inflight += 1
                    i = self.pending.pop()
                    self.attempts[i] += 1
                    return i
                if self.inflight == 0:
                    return None
            time.sleep(0.05)
        return None

    def done(self, i, code, text):
        with self.lock:
            self.inflight -= 1
            if code == 250:
                if i not in self.acked_set:
                    self.acked.append(i)
                    self.acked_set.add(i)
            elif 400 <= code < 500:
                self.stats["tempfail"] += 1
                self.stats["retries"] += 1
                self.pending.append(i)
            else:
                self.refused[self.msgid(i)] = text

    def failed(self, i):
        with self.lock:
            self.inflight -= 1
            self.stats["conn_errors"] += 1
            self.stats["retries"] += 1
            self.pending.append(i)


def load_worker(state):
    """Send messages over one session; reconnect after any failure."""
    args = state.args
    conn = None
    backoff = 0.05
    while True:
        i = state.take()
        if i is None:
            break
        try:
            if conn is None:
                conn = Conn(args.addr)
                with state.lock:
                    state.stats["connects"] += 1
                conn.hello()
            msg = lead_message(state.msgid(i), i, state.attempts[i], args.size)
            code, text = conn.transaction("form@example.org", "leads@leads.test", msg)
            state.done(i, code, text)
            backoff = 0.05
            if code >= 400 and code < 500:
                time.sleep(0.1)
        except LmtpError:
            state.failed(i)
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(backoff)
            backoff = min(backoff * 2, 0.5)
    if conn is not None:
        try:
            conn.command("QUIT")
        except LmtpError:
            pass
        conn.close()


def write_progress(state, path):
    """Keep the number acknowledged in the progress file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % len(state.acked))
    os.replace(tmp, path)


def cmd_load(args):
    state = Load(args)
    threads = [threading.Thread(target=load_worker, args=(state,), daemon=True)
               for _ in range(args.sessions)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if args.progress:
            write_progress(state, args.progress)
        time.sleep(0.05)
        if time.monotonic() > state.deadline + IO_TIMEOUT + 5:
            break
    if args.progress:
        write_progress(state, args.progress)
    unacked = [state.msgid(i) for i in range(args.count) if i not in state.acked_set]
    report = {
        "sent": [state.msgid(i) for i in range(args.count)],
        "acked": [state.msgid(i) for i in state.acked],
        "unacked": unacked,
        "refused": state.refused,
        "attempts": sum(state.attempts),
        **state.stats,
    }
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f)
    print("load: %d sent, %d acked, %d unacked, %d refused, %d attempts, %d tempfail, "
          "%d connection errors, %d connects"
          % (args.count, len(state.acked), len(unacked), len(state.refused),
             report["attempts"], state.stats["tempfail"], state.stats["conn_errors"],
             state.stats["connects"]))
    return 0 if not unacked and not state.refused else 1


# ---------------------------------------------------------------------------
# bad-input: one function per case; each returns (ok, what happened).

def headers(msgid, extra=""):
    return ("From: Probe <probe@example.org>\r\nTo: leads@leads.test\r\n"
            "Subject: probe\r\nMessage-ID: %s\r\n%s" % (msgid, extra)).encode()


def open_session(args):
    c = Conn(args.addr, timeout=30 * PATIENCE)
    c.hello()
    return c


def expect(code_text, code, enhanced):
    got, text = code_text
    return got == code and enhanced in text, text


def case_junk(args, ids):
    rnd = random.Random(7)
    junk = bytes(rnd.randrange(256) for _ in range(20000)).replace(b"\n", b"\0")
    c = open_session(args)
    r = c.transaction("probe@example.org", "leads@leads.test", b"\x00\x01" + junk)
    c.close()
    return expect(r, 554, "5.6.0")


def case_nul(args, ids):
    c = open_session(args)
    r = c.transaction("probe@example.org", "leads@leads.test",
                      headers("<%s-nul@e2e.test>" % args.prefix) + b"\r\nName: \0\0\0\r\n")
    c.close()
    return expect(r, 554, "5.6.0")


def case_not_mail(args, ids):
    c = open_session(args)
    r = c.transaction("probe@example.org", "leads@leads.test",
                      b"just some words, no header at all\r\nand more\r\n")
    c.close()
    return expect(r, 554, "5.6.0")


def case_too_big(args, ids):
    msg = headers("<%s-toobig@e2e.test>" % args.prefix) + b"\r\n"
    line = b"y" * 998 + b"\r\n"
    msg += line * (args.max_size // len(line) + 10)
    c = open_session(args)
    r = c.transaction("probe@example.org", "leads@leads.test", msg)
    ok, text = expect(r, 552, "5.3.4")
    # The session goes on after a refused message.
    ok = ok and c.command("NOOP")[0] == 250
    c.close()
    return ok, text


def case_size_param(args, ids):
    c = open_session(args)
    r = c.command("MAIL FROM:<probe@example.org> SIZE=%d" % (args.max_size + 1))
    c.close()
    return expect(r, 552, "5.3.4")


def stored_case(args, ids, name, msg):
    msgid = "<%s-%s@e2e.test>" % (args.prefix, name)
    c = open_session(args)
    r = c.transaction("probe@example.org", "leads@leads.test",
                      msg.replace(b"@MSGID@", msgid.encode()))
    c.close()
    ok, text = expect(r, 250, "2.0.0")
    # leadrouted names the lead it stored, as pipe mode does.
    ok = ok and re.search(r"stored as lead [1-9][0-9]*", text) is not None
    if ok:
        ids.append(msgid)
    return ok, text


def case_many_headers(args, ids):
    extra = "".join("X-Header-%05d: value %d\r\n" % (i, i) for i in range(10000))
    return stored_case(args, ids, "headers10k",
                       headers("@MSGID@", extra) + b"\r\nName: Many Headers\r\n")


def case_long_line(args, ids):
    return stored_case(args, ids, "longline",
                       headers("@MSGID@") + b"\r\nName: Long Line\r\nMessage: " +
                       b"z" * (1024 * 1024) + b"\r\n")


def case_empty_body(args, ids):
    return stored_case(args, ids, "emptybody", headers("@MSGID@") + b"\r\n")


def case_no_body(args, ids):
    return stored_case(args, ids, "nobody", headers("@MSGID@"))


def case_dots(args, ids):
    return stored_case(args, ids, "dots", headers("@MSGID@") +
                       b"\r\n.\r\n..\r\n.leading dot\r\nName: Dot\r\n")


def case_mid_data(args, ids):
    c = open_session(args)
    c.command("MAIL FROM:<probe@example.org>")
    c.command("RCPT TO:<leads@leads.test>")
    code, text = c.command("DATA")
    c.send(headers("<%s-middata@e2e.test>" % args.prefix) + b"\r\nName: Half\r\n" +
           b"w" * 5000)
    c.close()
    return code == 354, text


def case_mid_data_idle(args, ids):
    c = open_session(args)
    c.command("MAIL FROM:<probe@example.org>")
    c.command("RCPT TO:<leads@leads.test>")
    c.command("DATA")
    c.send(headers("<%s-idledata@e2e.test>" % args.prefix) + b"\r\nName: Idle\r\n")
    return wait_dropped(c, args.timeout)


def wait_dropped(c, timeout):
    """The server must drop an idle client (421 4.4.2, then close) within
    the session timeout plus some slack."""
    t0 = time.monotonic()
    c.sock.settimeout(timeout * 3 + 10)
    try:
        code, text = c.reply()
    except LmtpError as e:
        c.close()
        return False, "no 421: %s" % e
    ok = code == 421 and "4.4.2" in text
    try:
        c.line()
        ok = False
        text += ", and the connection stayed open"
    except LmtpError as e:
        text += ", then %s" % e
    c.close()
    took = time.monotonic() - t0
    ok = ok and timeout * 0.5 <= took < timeout * 3 + 5
    return ok, "%s after %.1f s" % (text, took)


def case_silent(args, ids):
    c = Conn(args.addr, timeout=30 * PATIENCE)
    code, text = c.reply()
    if code != 220:
        return False, text
    return wait_dropped(c, args.timeout)


def raw_data(c, payload):
    """MAIL, RCPT, DATA, then payload as it is (no dot-stuffing, no line-end
    repair): the reply after it."""
    for cmd, want in (("MAIL FROM:<probe@example.org>", 250),
                      ("RCPT TO:<leads@leads.test>", 250), ("DATA", 354)):
        code, text = c.command(cmd)
        if code != want:
            return code, text
    c.send(payload)
    return c.reply()


def smuggle_case(args, name, eol):
    """A "." line after bare line ends, a smuggled transaction, then the
    real end: one 554 5.6.0 and nothing of the smuggled one is run (the next
    reply is NOOP's); neither message is stored (intake-faults checks)."""
    outer = "<%s-%s@e2e.test>" % (args.prefix, name)
    inner = "<%s-%s-smuggled@e2e.test>" % (args.prefix, name)
    e = eol.encode()
    payload = (headers(outer) + b"\r\nName: Outer\r\nline" + e + b"." + e +
               b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<leads@leads.test>\r\nDATA\r\n" +
               headers(inner) + b"\r\nName: Smuggled\r\n.\r\n")
    c = open_session(args)
    ok, text = expect(raw_data(c, payload), 554, "5.6.0")
    code, after = c.command("NOOP")
    c.close()
    return ok and code == 250 and "2.0.0" in after, "%s; then NOOP: %s" % (text, after)


def case_smuggle_lf(args, ids):
    return smuggle_case(args, "smuggle-lf", "\n")


def case_smuggle_cr(args, ids):
    return smuggle_case(args, "smuggle-cr", "\r")


def case_bare_lf_command(args, ids):
    c = open_session(args)
    c.send(b"NOOP\nMAIL FROM:<evil@example.org>\r\n")
    code, text = c.reply()
    # The MAIL after the bare LF was not run: RCPT still needs MAIL.
    code2, text2 = c.command("RCPT TO:<leads@leads.test>")
    c.close()
    return code == 500 and "5.5.2" in text and code2 == 503, "%s; then %s" % (text, text2)


class Dripper(threading.Thread):
    """Sends chunk every interval seconds, count times, until stopped."""

    def __init__(self, conn, chunk, interval, count):
        super().__init__(daemon=True)
        self.conn, self.chunk, self.interval, self.count = conn, chunk, interval, count
        self.stop = threading.Event()

    def run(self):
        for _ in range(self.count):
            if self.stop.is_set():
                break
            try:
                self.conn.sock.sendall(self.chunk)
            except OSError:
                break
            self.stop.wait(self.interval)


def cut_off(c, t0, lo, hi):
    """421 4.4.2 from the server between lo and hi seconds after t0."""
    c.sock.settimeout(hi + 10)
    try:
        code, text = c.reply()
    except LmtpError as e:
        return False, "no 421: %s" % e
    took = time.monotonic() - t0
    return (code == 421 and "4.4.2" in text and lo <= took < hi,
            "%s after %.1f s" % (text, took))


def case_slow_command(args, ids):
    c = Conn(args.addr, timeout=30 * PATIENCE)
    code, text = c.reply()
    if code != 220:
        return False, text
    t0 = time.monotonic()
    drip = Dripper(c, b"N", args.timeout * 0.6, 200)
    drip.start()
    ok2, text2 = stored_case(args, ids, "besidedrip",
                             headers("@MSGID@") + b"\r\nName: Beside A Drip\r\n")
    ok, text = cut_off(c, t0, args.timeout * 0.5, args.timeout * 2 + 3)
    drip.stop.set()
    drip.join()
    c.close()
    return ok and ok2, "%s; a client beside it: %s" % (text, text2)


def case_slow_data(args, ids):
    c = open_session(args)
    for cmd in ("MAIL FROM:<probe@example.org>", "RCPT TO:<leads@leads.test>", "DATA"):
        c.command(cmd)
    c.send(headers("<%s-slowdata@e2e.test>" % args.prefix) + b"\r\nName: Slow\r\n")
    t0 = time.monotonic()
    # A fifth of the minimum rate, in half-second steps.
    drip = Dripper(c, b"s" * max(1, args.min_rate // 10 - 2) + b"\r\n", 0.5, 400)
    drip.start()
    ok, text = cut_off(c, t0, args.timeout * 0.5, args.timeout * 2 + 3)
    drip.stop.set()
    drip.join()
    c.close()
    return ok, text


def case_steady_data(args, ids):
    """Four times the minimum rate for 2.5 session timeouts: stored."""
    msgid = "<%s-steadydata@e2e.test>" % args.prefix
    c = open_session(args)
    for cmd in ("MAIL FROM:<probe@example.org>", "RCPT TO:<leads@leads.test>", "DATA"):
        c.command(cmd)
    c.send(headers(msgid) + b"\r\nName: Steady\r\n")
    line = b"t" * 98 + b"\r\n"
    t0 = time.monotonic()
    while time.monotonic() - t0 < args.timeout * 2.5:
        c.send(line * max(1, args.min_rate * 2 // len(line)))
        time.sleep(0.5)
    c.send(b".\r\n")
    ok, text = expect(c.reply(), 250, "2.0.0")
    c.close()
    if ok:
        ids.append(msgid)
    return ok, "%s after %.1f s" % (text, time.monotonic() - t0)


def case_after_all(args, ids):
    c = open_session(args)
    r = c.transaction("probe@example.org", "leads@leads.test",
                      headers("<%s-after@e2e.test>" % args.prefix) + b"\r\nName: After\r\n")
    c.close()
    ok, text = expect(r, 250, "2.0.0")
    if ok:
        ids.append("<%s-after@e2e.test>" % args.prefix)
    return ok, text


CASES = [
    ("binary junk -> 554 5.6.0", case_junk),
    ("a header, then NUL bytes -> 554 5.6.0", case_nul),
    ("no header -> 554 5.6.0", case_not_mail),
    ("over max_message_size -> 552 5.3.4", case_too_big),
    ("MAIL SIZE= over the limit -> 552 5.3.4", case_size_param),
    ("10,000 header lines -> stored", case_many_headers),
    ("a 1 MB line -> stored", case_long_line),
    ("empty body -> stored", case_empty_body),
    ("headers only, no blank line -> stored", case_no_body),
    ("dot-stuffed lines -> stored", case_dots),
    ("client gone mid-DATA -> nothing stored", case_mid_data),
    ("client idle mid-DATA -> 421 4.4.2, nothing stored", case_mid_data_idle),
    ("silent client -> 421 4.4.2 and dropped", case_silent),
    ("bare-LF '.' line, smuggled MAIL -> 554 5.6.0, not run", case_smuggle_lf),
    ("bare-CR '.' line, smuggled MAIL -> 554 5.6.0, not run", case_smuggle_cr),
    ("command with a bare LF -> 500 5.5.2, rest not run", case_bare_lf_command),
    ("a command a byte at a time -> 421 4.4.2 at the timeout", case_slow_command),
    ("DATA below min_data_rate -> 421 4.4.2", case_slow_data),
    ("DATA above min_data_rate, longer than the timeout -> stored", case_steady_data),
    ("a normal message afterwards -> stored", case_after_all),
]


def cmd_bad_input(args):
    ids = []
    failures = 0
    for name, fn in CASES:
        t0 = time.monotonic()
        try:
            ok, text = fn(args, ids)
        except LmtpError as e:
            ok, text = False, "error: %s" % e
        print("%s %s (%.1f s): %s" % ("ok  " if ok else "FAIL", name,
                                       time.monotonic() - t0, text[:160]))
        failures += 0 if ok else 1
    if args.report:
        with open(args.report, "w") as f:
            json.dump(ids, f)
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    load = sub.add_parser("load")
    load.add_argument("addr")
    load.add_argument("--count", type=int, default=0)
    load.add_argument("--ids-file")
    load.add_argument("--sessions", type=int, default=8)
    load.add_argument("--prefix", default="load")
    load.add_argument("--deadline", type=float, default=120)
    load.add_argument("--report")
    load.add_argument("--progress")
    load.add_argument("--size", type=int, default=1000)
    bad = sub.add_parser("bad-input")
    bad.add_argument("addr")
    bad.add_argument("--max-size", type=int, required=True)
    bad.add_argument("--timeout", type=float, required=True)
    bad.add_argument("--prefix", default="bad")
    bad.add_argument("--min-rate", type=int, default=500)
    bad.add_argument("--report")
    args = p.parse_args()
    sys.exit(cmd_load(args) if args.cmd == "load" else cmd_bad_input(args))


if __name__ == "__main__":
    main()
