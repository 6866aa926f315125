#!/usr/bin/env python3
"""source-proxy.py LISTEN_PORT TARGET_PORT CUT CUTS_FILE - a TCP proxy on
127.0.0.1 for tests/source-drop.sh: it passes bytes both ways between a
client and 127.0.0.1:TARGET_PORT, but resets the connection on the spot,
mid-answer, and appends a line to CUTS_FILE
  - CUT = marker:TEXT: whenever the server sends TEXT (a message that will
    never arrive whole), before TEXT;
  - CUT = bytes:N:K: when a connection has passed N bytes from the server,
    K times in all (TLS or not: the bytes are not read).
Runs until killed."""
import select
import socket
import struct
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
mode, _, arg = sys.argv[3].partition(':')
cuts_file = sys.argv[4]
marker = arg.encode() if mode == 'marker' else None
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


def serve(client):
    """One connection, both directions in this one thread."""
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
                    with lock, open(cuts_file, 'a') as f:
                        f.write('cut after %d bytes\n' % (passed + max(0, at - len(tail))))
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
