#!/usr/bin/env python3
"""https-sink.py - a real HTTPS endpoint on 127.0.0.1 for tests.

usage: https-sink.py CERT KEY DIR [PORT]

Listens on PORT, or a free port (printed on stdout, one line, once it
listens), and
answers POST by path: /ok 200, /created 201, /reject 400, /gone 410,
/busy 503, /moved 302 (Location /ok); /hold never answers (the request
is stored, then the connection is held open until the sink is killed).
Each request on a thread of its own.  Every POST it answers is written
to DIR/N.req: the request line, the headers, an empty line, the body
(lines ended by CRLF).
GET is refused with 405.  Runs until killed.
"""
import http.server
import os
import ssl
import sys
import time

CODES = {"/ok": 200, "/created": 201, "/reject": 400, "/gone": 410,
         "/busy": 503, "/moved": 302}


class Handler(http.server.BaseHTTPRequestHandler):
    """Store each POST and answer with the path's code."""

    count = 0

    def do_POST(self):
        """Read the body, store the request, answer."""
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        Handler.count += 1
        path = os.path.join(sys.argv[3], "%d.req" % Handler.count)
        with open(path + ".tmp", "wb") as f:
            f.write(self.requestline.encode() + b"\r\n")
            for name, value in self.headers.items():
                f.write(("%s: %s\r\n" % (name, value)).encode())
            f.write(b"\r\n" + body)
        os.rename(path + ".tmp", path)
        if self.path == "/hold":
            while True:
                time.sleep(60)
        code = CODES.get(self.path, 404)
        self.send_response(code)
        if code == 302:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        """Only POST is served."""
        self.send_error(405)

    def log_message(self, fmt, *args):
        """Quiet."""


def main():
    """Serve until killed."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    http.server.ThreadingHTTPServer.daemon_threads = True
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
