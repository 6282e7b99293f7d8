#!/usr/bin/python3
# tests/support/sms-receiver.py: a stand-in SMS gateway for tests (stdlib
# only: run it with /usr/bin/python3).
#
#   sms-receiver.py PORT DIR
#
# Listens on 127.0.0.1:PORT. Each POST appends one line to DIR/sms.log:
#   {"auth": "<Authorization header or null>", "path": "/...",
#    "body": <the JSON body, or the raw text when it is not JSON>}
# and is answered with the status in DIR/status (a number; 200 when the
# file is absent), so a test can make the gateway fail (500) and recover
# without restarting it. Start and stop it with tests/support/sms-receiver.sh.
import http.server
import json
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        line = {"auth": self.headers.get("Authorization"),
                "path": self.path, "body": body}
        with open(os.path.join(DIR, "sms.log"), "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        status = 200
        try:
            with open(os.path.join(DIR, "status")) as f:
                status = int(f.read().strip() or "200")
        except (OSError, ValueError):
            pass
        reply = b'{"accepted":true}' if status < 300 else b'{"error":"test"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, fmt, *args):
        sys.stderr.write("sms-receiver: " + (fmt % args) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: sms-receiver.py PORT DIR")
    DIR = sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                          Handler)
    srv.serve_forever()
