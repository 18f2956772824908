"""A real local HTTP server standing in for the robots' webhooks."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Hook:
    """What the server answers next (``mode``: ok / error500 / slow / errcode) and every
    request it got (path with query, parsed JSON body)."""

    def __init__(self):
        self.mode = "ok"
        self.requests = []
        self.url = ""
        self.sleep = 1.0


@pytest.fixture
def webhook():
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            hook.requests.append({"path": self.path, "body": json.loads(raw or b"{}")})
            if hook.mode == "slow":
                time.sleep(hook.sleep)
            status = 500 if hook.mode == "error500" else 200
            answer = (
                {"errcode": 310000, "errmsg": "keywords not in content", "code": 19021}
                if hook.mode == "errcode"
                else {"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success"}
            )
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=abc123"
    yield hook
    server.shutdown()
    server.server_close()
