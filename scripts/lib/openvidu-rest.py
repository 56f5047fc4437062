#!/usr/bin/env python3
"""OpenVidu 2.32 CE's REST API as the controller asks it, for the stand-in (scripts/lib/openvidu.sh).

Usage: openvidu-rest.py PORT STATE_DIR RECORDINGS_DIR  (the secret comes in OV_REST_SECRET)

Faithful to openvidu-server's SessionRestController (shared/research/openvidu2-recording-facts.md):
- every call needs Basic auth OPENVIDUAPP:<OPENVIDU_SECRET>, else 401;
- GET /openvidu/api/sessions/<id>: 404 when OpenVidu has no such session (sessions live in its
  memory: STATE_DIR/sessions/<id> here, gone after a restart), else the session JSON with
  "recording": whether one of its recordings is started (in memory: STATE_DIR/<rid>/status);
- GET /openvidu/api/recordings/<id>: read from disk (.recording.<id>, as RecordingManager does),
  404 when there is none; toJson(false): no uniqueSessionId;
- anything else: 404.
"""
import base64
import json
import urllib.parse
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, STATE, RECORDINGS = int(sys.argv[1]), sys.argv[2], sys.argv[3]
EXPECTED = "Basic " + base64.b64encode(("OPENVIDUAPP:" + os.environ["OV_REST_SECRET"]).encode()).decode()


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def session_recorded(session_id):
    try:
        names = os.listdir(STATE)
    except OSError:
        return False
    for rid in names:
        d = os.path.join(STATE, rid)
        if rid != "sessions" and os.path.isdir(d) and read(os.path.join(d, "session")) == session_id \
                and read(os.path.join(d, "status")) == "started":
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # quiet: the e2e log stays readable
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("Authorization") != EXPECTED:
            self.reply(401)
            return
        path = self.path.split("?", 1)[0]
        parts = path.split("/")
        if len(parts) != 5 or parts[:3] != ["", "openvidu", "api"] or "/" in parts[4] or parts[4] in ("", ".", ".."):
            self.reply(404)
            return
        # Spring MVC decodes a path variable: /recordings/ses_A%7E1 is the recording ses_A~1
        kind, ident = parts[3], urllib.parse.unquote(parts[4])
        if "/" in ident or ident in (".", ".."):
            self.reply(404)
            return
        if kind == "sessions":
            created = read(os.path.join(STATE, "sessions", ident))
            if not created:
                self.reply(404)
                return
            self.reply(200, {"id": ident, "object": "session", "sessionId": ident, "createdAt": int(created),
                             "mediaMode": "ROUTED", "recordingMode": "MANUAL", "defaultOutputMode": "COMPOSED",
                             "defaultRecordingLayout": "BEST_FIT",
                             "connections": {"numberOfElements": 0, "content": []},
                             "recording": session_recorded(ident)})
        elif kind == "recordings":
            raw = read(os.path.join(RECORDINGS, ident, ".recording." + ident))
            try:
                recording = json.loads(raw)
            except ValueError:
                self.reply(404)
                return
            recording.pop("uniqueSessionId", None)
            self.reply(200, recording)
        else:
            self.reply(404)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
