"""A stand-in for GOV.UK Notify's API on loopback, for the Notify backend's tests.

It answers the two calls the backend makes (`POST /v2/notifications/email`,
`GET /v2/notifications?reference=...`) the way Notify documents them, after checking the
JWT in `Authorization: Bearer ...` as Notify does: HS256, signed with the API key's
secret, `iss` the service id, `iat` within 30 seconds. Every request is kept (method,
path, query, body, and whether its token was good) so a test can count sends.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

SERVICE_ID = "6f3c5a2e-1b7d-4c8e-9f0a-2d4b6c8e0f1a"
SECRET = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
API_KEY = f"homeward_test-{SERVICE_ID}-{SECRET}"


@dataclasses.dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    body: dict
    token_ok: bool
    token_error: str = ""


class NotifyStub:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.accepted: list[dict] = []  # e-mails Notify "holds", as GET lists them
        # Set on the first e-mail accepted; `hold` seconds pass before the reply to it
        # (a fault test kills the worker in that window: sent, not yet marked sent).
        self.got_send = threading.Event()
        self.hold = 0.0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                return

            def _token(self) -> tuple[bool, str]:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Bearer "):
                    return False, "no bearer token"
                try:
                    claims = jwt.decode(header[7:], SECRET, algorithms=["HS256"])
                except jwt.PyJWTError as error:
                    return False, str(error)
                if claims.get("iss") != SERVICE_ID:
                    return False, "wrong iss"
                if abs(time.time() - claims.get("iat", 0)) > 30:
                    return False, "iat too old"
                return True, ""

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, body: dict) -> Received:
                ok, error = self._token()
                url = urlsplit(self.path)
                received = Received(self.command, url.path, parse_qs(url.query), body, ok, error)
                stub.requests.append(received)
                return received

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                received = self._record(json.loads(self.rfile.read(length) or b"{}"))
                if not received.token_ok:
                    self._answer(403, {"errors": [{"error": "AuthError"}], "status_code": 403})
                    return
                if received.path != "/v2/notifications/email":
                    self._answer(404, {"errors": [{"error": "NotFound"}], "status_code": 404})
                    return
                notification = {
                    "id": str(uuid.uuid4()),
                    "reference": received.body.get("reference"),
                    "email_address": received.body["email_address"],
                    "status": "created",
                    "type": "email",
                }
                stub.accepted.append(notification)
                stub.got_send.set()
                time.sleep(stub.hold)
                self._answer(
                    201,
                    {
                        "id": notification["id"],
                        "reference": notification["reference"],
                        "content": {
                            "subject": received.body["personalisation"]["subject"],
                            "body": received.body["personalisation"]["body"],
                            "from_email": "homeward@notifications.service.gov.uk",
                        },
                        "uri": f"/v2/notifications/{notification['id']}",
                        "template": {
                            "id": received.body["template_id"],
                            "version": 1,
                            "uri": f"/v2/template/{received.body['template_id']}",
                        },
                    },
                )

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                received = self._record({})
                if not received.token_ok:
                    self._answer(403, {"errors": [{"error": "AuthError"}], "status_code": 403})
                    return
                reference = received.query.get("reference", [None])[0]
                found = [n for n in stub.accepted if reference in (None, n["reference"])]
                self._answer(200, {"notifications": found, "links": {}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a held reply does not delay stop()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> NotifyStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sends(self) -> list[Received]:
        return [r for r in self.requests if r.method == "POST"]
