#!/usr/bin/env python3
"""notify.py - the pieces of bench/notify (see there).

  sink PORT OUT         an SMTP sink on 127.0.0.1:PORT: for every message
                        accepted, one line "SEQ TIME" in OUT (SEQ from the
                        "bench-SEQ" in its Subject, TIME when the final dot
                        arrived, just before the 250); runs until killed
  lmtp SOCKET RATE SECS OUT   inquiries over LMTP to a unix socket at RATE
                        a second for SECS seconds over several sessions;
                        one line "SEQ TIME" per message in OUT, TIME when
                        its 250 came back
  smtp PORT RATE SECS OUT     the baseline: the same messages straight to
                        the sink over SMTP, one connection each (as the
                        daemon's sender does); TIME when the client began
  stats SENT ARRIVED    print "count missing p50 p99 max" (ms) of
                        ARRIVED.time - SENT.time per SEQ
Times are time.time() of one machine.
"""
import asyncio
import re
import sys
import time

SUBJECT = re.compile(rb"^Subject:.*?bench-(\d+)", re.I | re.M)
SESSIONS = 16


def inquiry(seq):
    """One contact-form inquiry, numbered seq."""
    return ("From: Web Form <form@inquiry.test>\r\n"
            "To: leads+bench@leads.test\r\n"
            "Subject: bench-%d\r\n"
            "Message-ID: <bench-%d-%d@inquiry.test>\r\n"
            "Date: Mon, 23 Nov 2026 08:15:00 +0100\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Name: Bench Person %d\r\nEmail: person%d@example.org\r\n"
            "Phone: +49 89 5550 %04d\r\nCompany: Bench GmbH\r\nCountry: Germany\r\n"
            "Product: Pumps\r\nQuantity: 12\r\n"
            "Message: We need pumps for a construction site.\r\n"
            % (seq, seq, int(time.time()), seq, seq, seq % 10000)).encode()


async def sink_session(reader, writer, out):
    """Serve one SMTP session (a client may hang up at any time)."""
    try:
        await sink_dialogue(reader, writer, out)
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    writer.close()


async def sink_dialogue(reader, writer, out):
    """The SMTP dialogue; record each message's arrival."""
    writer.write(b"220 sink.bench ESMTP\r\n")
    await writer.drain()
    while True:
        line = await reader.readline()
        if not line:
            break
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            writer.write(b"250-sink.bench\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            writer.write(b"354 go\r\n")
            await writer.drain()
            data = []
            while True:
                l = await reader.readline()
                if not l or l in (b".\r\n", b".\n"):
                    break
                data.append(l)
            now = time.time()
            m = SUBJECT.search(b"".join(data[:60]))
            if m:
                out.write("%s %.6f\n" % (m.group(1).decode(), now))
                out.flush()
            writer.write(b"250 2.0.0 ok\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"250 ok\r\n")
        await writer.drain()


async def sink(port, path):
    """Run the sink until killed."""
    with open(path, "a") as out:
        server = await asyncio.start_server(
            lambda r, w: sink_session(r, w, out), "127.0.0.1", int(port), backlog=512)
        async with server:
            await server.serve_forever()


async def expect(reader, code):
    """Read one (multi-line) reply; fail unless it starts with code."""
    while True:
        line = await reader.readline()
        if not line.startswith(code):
            raise RuntimeError("wanted %s, got %r" % (code, line))
        if line[3:4] != b"-":
            return


async def transaction(reader, writer, seq, rcpt):
    """MAIL, RCPT, DATA of message seq; return when its reply came."""
    body = inquiry(seq).replace(b"\r\n.", b"\r\n..")
    writer.write(b"MAIL FROM:<form@inquiry.test>\r\nRCPT TO:<%s>\r\nDATA\r\n" % rcpt)
    await expect(reader, b"250")
    await expect(reader, b"250")
    await expect(reader, b"354")
    writer.write(body + b".\r\n")
    await writer.drain()
    await expect(reader, b"250")


class Pace:
    """Hands out message numbers at their due times."""

    def __init__(self, rate, secs):
        self.rate, self.total, self.next = float(rate), int(float(rate) * float(secs)), 0
        self.t0 = time.time() + 0.2

    async def take(self):
        """The next message number once it is due, or None at the end."""
        if self.next >= self.total:
            return None
        seq = self.next
        self.next += 1
        delay = self.t0 + seq / self.rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return seq


async def lmtp_worker(path, pace, out):
    """One LMTP session sending due messages."""
    reader, writer = await asyncio.open_unix_connection(path)
    await expect(reader, b"220")
    writer.write(b"LHLO bench.test\r\n")
    await expect(reader, b"250")
    while (seq := await pace.take()) is not None:
        await transaction(reader, writer, seq, b"leads+bench@leads.test")
        out.append((seq, time.time()))
    writer.write(b"QUIT\r\n")
    writer.close()


async def smtp_one(port, seq, out):
    """One baseline message over a connection of its own."""
    start = time.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", int(port))
    await expect(reader, b"220")
    writer.write(b"EHLO bench.test\r\n")
    await expect(reader, b"250")
    await transaction(reader, writer, seq, b"anna@reps.test")
    writer.write(b"QUIT\r\n")
    writer.close()
    out.append((seq, start))


async def smtp_worker(port, pace, out):
    """Send due baseline messages one connection each."""
    while (seq := await pace.take()) is not None:
        await smtp_one(port, seq, out)


async def drive(kind, target, rate, secs, path):
    """Send at rate for secs over SESSIONS workers; write SEQ TIME lines."""
    pace, out = Pace(rate, secs), []
    worker = lmtp_worker if kind == "lmtp" else smtp_worker
    began = time.time()
    await asyncio.gather(*(worker(target, pace, out) for _ in range(SESSIONS)))
    took = time.time() - began
    with open(path, "w") as f:
        for seq, t in out:
            f.write("%d %.6f\n" % (seq, t))
    print("%d messages in %.1f s (%.0f/s)" % (len(out), took, len(out) / took), file=sys.stderr)


def read_times(path):
    """SEQ -> time from a file of "SEQ TIME" lines (first one wins)."""
    times = {}
    with open(path) as f:
        for line in f:
            seq, t = line.split()
            times.setdefault(int(seq), float(t))
    return times


def percentile(sorted_values, p):
    """The p-th percentile (nearest rank) of sorted values."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def stats(sent_path, arrived_path):
    """Print count missing p50 p99 max in ms."""
    sent, arrived = read_times(sent_path), read_times(arrived_path)
    lat = sorted((arrived[s] - t) * 1000 for s, t in sent.items() if s in arrived)
    missing = sum(1 for s in sent if s not in arrived)
    print("%d %d %.1f %.1f %.1f" % (len(lat), missing, percentile(lat, 50),
                                   percentile(lat, 99), lat[-1] if lat else float("nan")))


def main():
    """Dispatch a subcommand."""
    a = sys.argv[1:]
    if a[:1] == ["sink"] and len(a) == 3:
        asyncio.run(sink(a[1], a[2]))
    elif a[:1] in (["lmtp"], ["smtp"]) and len(a) == 5:
        asyncio.run(drive(a[0], a[1], a[2], a[3], a[4]))
    elif a[:1] == ["stats"] and len(a) == 3:
        stats(a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
