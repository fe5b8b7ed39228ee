"""A small OAuth2 authorization server for the tests, on 127.0.0.1 and a free port, stopped on
exit: a token endpoint (RFC 6749: the refresh-token grant, rotating the refresh token with each
use as Microsoft's identity platform does, and the client-credentials grant of app-only access)
and a token introspection endpoint (RFC 7662), which Dovecot's oauth2 password database asks
whether a token is active and whose it is. Tokens run out after `lifetime` seconds or when
revoked."""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "appealdesk"
CLIENT_SECRET = "s3cret-client"
REFRESH_TOKEN = "rt-first"


@dataclass
class AuthorizationServer:
    url: str
    user: str
    lifetime: float
    token_requests: list[dict[str, str]] = field(default_factory=list)
    introspected: list[str] = field(default_factory=list)
    expires: dict[str, float] = field(default_factory=dict)  # access token -> time.time()
    refresh_tokens: set[str] = field(default_factory=lambda: {REFRESH_TOKEN})
    issued: list[str] = field(default_factory=list)

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

    def revoke(self, token: str) -> None:
        self.expires[token] = 0

    def active(self, token: str) -> bool:
        return time.time() < self.expires.get(token, 0)

    def grant(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        self.token_requests.append(form)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "unknown client"}
        answer: dict[str, object] = {}
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, {"error": "invalid_grant", "error_description": "refresh token used"}
            self.refresh_tokens.discard(form["refresh_token"])  # each one works once
            answer["refresh_token"] = f"rt-{secrets.token_hex(8)}"
            self.refresh_tokens.add(str(answer["refresh_token"]))
        elif form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        token = f"at-{secrets.token_urlsafe(24)}"
        self.expires[token] = time.time() + self.lifetime
        self.issued.append(token)
        return 200, answer | {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
        }

    def introspect(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        token = form.get("token", "")
        self.introspected.append(token)
        if not self.active(token):
            return 200, {"active": False}
        return 200, {"active": True, "username": self.user, "token_type": "Bearer"}


@contextmanager
def authorization_server(*, user: str, lifetime: float = 3600) -> Iterator[AuthorizationServer]:
    state: list[AuthorizationServer] = []

    class Endpoints(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            routes = {"/token": state[0].grant, "/introspect": state[0].introspect}
            status, body = routes[self.path](form) if self.path in routes else (404, {})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoints)
    state.append(AuthorizationServer(f"http://127.0.0.1:{server.server_port}", user, lifetime))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
