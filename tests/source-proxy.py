#!/usr/bin/env python3
"""source-proxy.py LISTEN_PORT TARGET_PORT CUT CUTS_FILE [GATE] - a TCP proxy on
127.0.0.1 for tests/source-drop.sh: it passes bytes both ways between a
client and 127.0.0.1:TARGET_PORT, but resets the connection on the spot,
mid-answer, and appends a line to CUTS_FILE
  - CUT = marker:TEXT: whenever the server sends TEXT (a message that will
    never arrive whole), before TEXT;
  - CUT = bytes:N:K: when a connection has passed N bytes from the server,
    K times in all (TLS or not: the bytes are not read);
  - CUT = stall:TEXT: whenever the server sends TEXT, before TEXT, but the
    connection is kept open and nothing more is passed (a server that hangs
    mid-answer), until the client closes it;
  - CUT = hang: nothing is passed at all, not even the server's greeting.
GATE, when given, is a file holding how many more connections may pass:
each new one takes one; when it holds 0 (or is missing) the connection is
closed at once, before the server's greeting (the test decides how many
sessions a client gets).  Runs until killed."""
import os
import select
import socket
import struct
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
mode, _, arg = sys.argv[3].partition(':')
cuts_file = sys.argv[4]
gate_file = sys.argv[5] if len(sys.argv) > 5 else None
marker = arg.encode() if mode in ('marker', 'stall') else None
limit, cuts_left = (int(arg.split(':')[0]), int(arg.split(':')[1])) if mode == 'bytes' else (0, 0)
lock = threading.Lock()


def cut_here(passed, data):
    """How many bytes of data to pass before the cut, or None: no cut."""
    global cuts_left
    if marker is not None:
        at = data.find(marker)
        return at if at >= 0 else None
    with lock:
        if cuts_left > 0 and passed + len(data) > limit:
            cuts_left -= 1
            return max(0, limit - passed)
    return None


def reset(*socks):
    """Close with a TCP reset: the peer's next read fails at once."""
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
        s.close()


def admitted():
    """Take one connection from the gate; False when it is closed."""
    if gate_file is None:
        return True
    with lock:
        try:
            with open(gate_file) as f:
                left = int(f.read().strip() or 0)
        except (OSError, ValueError):
            left = 0
        if left <= 0:
            return False
        with open(gate_file + '.new', 'w') as f:
            f.write('%d\n' % (left - 1))
        os.rename(gate_file + '.new', gate_file)
        return True


def note(line):
    """One line into CUTS_FILE."""
    with lock, open(cuts_file, 'a') as f:
        f.write(line + '\n')


def drain(client):
    """A stalled connection: read and drop what the client sends until it
    closes."""
    try:
        while client.recv(65536):
            pass
    except OSError:
        pass


def serve(client):
    """One connection, both directions in this one thread."""
    if not admitted():
        note('refused by the gate')
        client.close()
        return
    if mode == 'hang':
        note('hung before the greeting')
        drain(client)
        client.close()
        return
    try:
        server = socket.create_connection(('127.0.0.1', target_port))
    except OSError:
        client.close()
        return
    tail = b''
    passed = 0
    try:
        while True:
            ready, _, _ = select.select([client, server], [], [])
            if client in ready:
                data = client.recv(65536)
                if not data:
                    break
                server.sendall(data)
            if server in ready:
                data = server.recv(65536)
                if not data:
                    break
                seen = tail + data
                at = cut_here(passed - len(tail), seen)
                if at is not None:
                    client.sendall(seen[len(tail):max(at, len(tail))])
                    where = passed + max(0, at - len(tail))
                    if mode == 'stall':
                        note('stalled after %d bytes' % where)
                        drain(client)
                        break
                    note('cut after %d bytes' % where)
                    break
                client.sendall(data)
                passed += len(data)
                tail = seen[-len(marker):] if marker else b''
    except OSError:
        pass
    reset(client, server)


def main():
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(('127.0.0.1', listen_port))
    lsock.listen(16)
    while True:
        client, _ = lsock.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


main()
