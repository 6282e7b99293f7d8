#!/usr/bin/python3
# http-hold.py PORT UPSTREAM DIR: an HTTP relay on 127.0.0.1:PORT for GET
# requests (an OCSP responder's GET /ocsp/<base64>, RFC 6960 A.1): each is
# passed to UPSTREAM (http://host:port) and logged in DIR/log as
# "GET path status". While DIR/hold exists, a request is held before it is
# passed on: DIR/held is written (its path) and the relay waits (60 s at
# most) for DIR/go; so a test can change what the upstream will answer
# between a client's request and the answer (vtoken.sh: a certificate
# revoked while nginx checks it). Writes DIR/port-ready once listening.
import http.server
import os
import sys
import time
import urllib.error
import urllib.request

PORT, UPSTREAM, DIR = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Relay(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if os.path.exists(os.path.join(DIR, "hold")):
            with open(os.path.join(DIR, "held"), "w") as f:
                f.write(self.path + "\n")
            for _ in range(600):
                if os.path.exists(os.path.join(DIR, "go")):
                    break
                time.sleep(0.1)
        try:
            with urllib.request.urlopen(UPSTREAM + self.path, timeout=30) as r:
                status, ctype, body = r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            status, ctype, body = e.code, e.headers.get("Content-Type"), e.read()
        except OSError:
            status, ctype, body = 502, "text/plain", b"upstream unreachable\n"
        with open(os.path.join(DIR, "log"), "a") as f:
            f.write("GET %s %d\n" % (self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", ctype or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Relay)
open(os.path.join(DIR, "port-ready"), "w").close()
srv.serve_forever()
