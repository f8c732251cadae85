"""An app that sends secrets where an `http` span records them: the URL's user info and query, and a
response whose headers set a cookie and whose body echoes a token.

    python http_secrets_app.py SECRETS.json

SECRETS.json holds "url_password", "query_token", "query_key", "cookie" and "body_token".

The server is the app's own, not the tests' kit (tests/support/stubs.py): the app runs as a user's script under
`namel3ss-debug trace`, with nothing of tests/ on its path, and its server is part of what is traced.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import requests

with open(sys.argv[1], encoding="utf-8") as handle:
    s = json.load(handle)


class Echo(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        body = json.dumps({"echo": f"your token is {s['body_token']}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", f"session={s['cookie']}; HttpOnly")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
url = (f"http://svc:{s['url_password']}@127.0.0.1:{port}/items"
       f"?access_token={s['query_token']}&apiKey={s['query_key']}&page=2")
httpx.get(url).raise_for_status()
requests.get(url, timeout=10).raise_for_status()
server.shutdown()
