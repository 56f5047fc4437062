#!/usr/bin/env python3
"""The customer's webhook endpoint in the end-to-end tests: answers 200 to every POST and
appends one JSON line per request to a file: receive time, path, the relay headers and the
body (parsed when it is JSON).

Usage: receiver.py PORT OUTPUT.jsonl
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    output = None

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        entry = {
            "received_ms": int(time.time() * 1000),
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items() if k.lower().startswith("x-") or k.lower() == "content-type"},
            "raw": raw.decode("utf-8", "replace"),
            "body": body,
        }
        with LOCK, open(self.output, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    port, output = int(sys.argv[1]), sys.argv[2]
    Handler.output = output
    open(output, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
