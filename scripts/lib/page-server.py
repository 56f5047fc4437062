#!/usr/bin/env python3
"""The layout page server of the local stack (scripts/lib/stack.sh): static files from a folder,
and OpenVidu's one-RECORDER-per-session rule for the pages that join.

Usage: page-server.py PORT DIR OVERLAPS_FILE

- GET /join/<session>: the layout page "joins" its session as the participant RECORDER and keeps
  this response open for as long as it lives (the stand-in for OpenVidu's websocket). OpenVidu 2
  keeps a session's participants in a map keyed by participant id and removes by that id when one
  leaves (SessionManager, KurentoSessionManager; shared/research/openvidu2-recording-facts.md):
  a RECORDER that joins while the previous one is still connected can be dropped when the old
  one's leave is processed. Such a join is appended to OVERLAPS_FILE ("<session> <ms>"), for
  the end-to-end checks. A connection counts as closed when its socket
  reads end-of-file (a killed browser's socket is closed by the kernel at once).
- anything else: the file under DIR (http.server's SimpleHTTPRequestHandler).
"""
import functools
import select
import sys
import threading
import time
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

PORT, DIR, OVERLAPS = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LOCK = threading.Lock()
CONNECTED = {}


class Handler(SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):  # quiet: the e2e log stays readable
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if not path.startswith("/join/"):
            super().do_GET()
            return
        session = urllib.parse.unquote(path[len("/join/"):])
        if not session or "/" in session or len(session) > 128:
            self.send_error(404)
            return
        with LOCK:
            if CONNECTED.get(session, 0) > 0:
                with open(OVERLAPS, "a", encoding="utf-8") as f:
                    f.write("%s %d\n" % (session, int(time.time() * 1000)))
            CONNECTED[session] = CONNECTED.get(session, 0) + 1
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"joined\n")
            self.wfile.flush()
            sock = self.connection
            while True:
                readable, _, _ = select.select([sock], [], [], 5.0)
                if readable and not sock.recv(1024):
                    break
        except OSError:
            pass
        finally:
            with LOCK:
                CONNECTED[session] -= 1
            self.close_connection = True


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), functools.partial(Handler, directory=DIR)).serve_forever()
