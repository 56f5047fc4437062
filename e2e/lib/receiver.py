#!/usr/bin/env python3
"""The customer's webhook endpoint in the end-to-end tests: answers 200 to every POST and
adds one JSON line per request to a file: receive time, path, the relay headers and the
body (parsed when it is JSON). The scenarios read the file (jq) while it grows, two at a time:
each line is added by writing the whole file anew and renaming it over the old one, so that a
reader sees the file before or after a line, never half of one (an append that crosses a page
boundary becomes visible in two steps).

Usage: receiver.py PORT OUTPUT.jsonl
"""
import json
import os
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
        with LOCK:
            append_whole(self.output, json.dumps(entry) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def append_whole(path, line):
    """Adds line to path through a new file renamed over it (atomic for readers)."""
    try:
        with open(path, encoding="utf-8") as current:
            text = current.read()
    except FileNotFoundError:
        text = ""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text + line)
    os.replace(tmp, path)


def main():
    port, output = int(sys.argv[1]), sys.argv[2]
    Handler.output = output
    open(output, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
