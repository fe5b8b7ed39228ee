"""A real SAML 2.0 identity provider for the single sign-on tests: pysaml2's `Server` in a small
WSGI app on 127.0.0.1, signing its assertions with xmlsec1 and a key the test generates.

    python -m tests.sso.saml_idp --port P --dir D --sp-metadata URL

It writes its own metadata to D/idp.xml (appealdesk reads it) and loads appealdesk's from URL
at the first sign-in (the service provider is started after it). People are in D/people.json
({username: {"password", "groups", "mfa", "active"}}), read at every request, so a test can
disable someone. Like a real provider it remembers who signed in (a cookie), so a service
provider's re-authentication is silent while the person is still active, and refused when not.
"""

from __future__ import annotations

import argparse
import html
import json
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA_CONTEXT = "https://refeds.org/profile/mfa"
COOKIE = "test_idp_user"


def config(base: str, folder: Path, sp_metadata: str | None) -> IdPConfig:
    conf = IdPConfig()
    settings: dict[str, Any] = {
        "entityid": f"{base}/metadata",
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "key_file": str(folder / "idp.key"),
        "cert_file": str(folder / "idp.crt"),
        "service": {
            "idp": {
                "name": "test identity provider",
                "endpoints": {
                    "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]
                },
                "want_authn_requests_signed": False,
                "sign_response": True,
                "sign_assertion": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {
                    "default": {"lifetime": {"minutes": 15}, "attribute_restrictions": None}
                },
            }
        },
        "allow_unknown_attributes": True,
    }
    if sp_metadata:
        settings["metadata"] = {"remote": [{"url": sp_metadata}]}
    conf.load(settings)
    return conf


class Idp:
    def __init__(self, base: str, folder: Path, sp_metadata: str) -> None:
        self.base, self.folder, self.sp_metadata = base, folder, sp_metadata
        self._server: Server | None = None
        self._lock = threading.Lock()
        metadata = entity_descriptor(config(base, folder, None))
        (folder / "idp.xml").write_text(str(metadata))

    @property
    def server(self) -> Server:
        with self._lock:
            if self._server is None:  # appealdesk's metadata, once it is up
                self._server = Server(config=config(self.base, self.folder, self.sp_metadata))
            return self._server

    def people(self) -> dict[str, Any]:
        return dict(json.loads((self.folder / "people.json").read_text()))

    def __call__(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/metadata":
            return _answer(start, "200 OK", (self.folder / "idp.xml").read_bytes(), "text/xml")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/sso/redirect":
            cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
            remembered = cookie[COOKIE].value if COOKIE in cookie else ""
            if remembered:
                return self._respond(start, remembered, query)
            return self._login_page(start, query, "")
        if path == "/login" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            person = self.people().get(form.get("username", ""))
            if person is None or person["password"] != form.get("password"):
                return self._login_page(start, form, "Wrong user name or password.")
            return self._respond(start, form["username"], form)
        return _answer(start, "404 Not Found", b"not here", "text/plain")

    def _login_page(self, start: Any, fields: dict[str, str], error: str) -> list[bytes]:
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(fields.get(k, ""))}">'
            for k in ("SAMLRequest", "RelayState")
        )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test SAML IdP'
            f"</title></head><body><h1>Test SAML identity provider</h1>"
            f"{f'<p role=alert>{error}</p>' if error else ''}"
            f'<form method="post" action="/login">{hidden}'
            '<label>User <input name="username" id="idp-username"></label>'
            '<label>Password <input name="password" id="idp-password" type="password"></label>'
            '<button type="submit">Sign in at the SAML provider</button></form></body></html>'
        )
        return _answer(start, "200 OK", page.encode(), "text/html; charset=utf-8")

    def _respond(self, start: Any, username: str, fields: dict[str, str]) -> list[bytes]:
        person = self.people().get(username)
        if person is None or not person.get("active", True):
            page = b"<!doctype html><html lang=en><title>Refused</title><h1>Account disabled</h1>"
            headers = [("Set-Cookie", f"{COOKIE}=; Max-Age=0; Path=/")]
            return _answer(start, "403 Forbidden", page, "text/html", headers)
        server = self.server
        request = server.parse_authn_request(fields["SAMLRequest"], BINDING_HTTP_REDIRECT)
        args = server.response_args(request.message, [BINDING_HTTP_POST])
        identity = {
            "uid": [username],
            "mail": [f"{username}@idp.test"],
            "givenName": [person.get("first_name", username)],
            "sn": [person.get("last_name", "")],
            "groups": list(person.get("groups", [])),
        }
        authn = {
            "class_ref": MFA_CONTEXT if person.get("mfa") else PASSWORD_CONTEXT,
            "authn_auth": f"{self.base}/metadata",
        }
        response = server.create_authn_response(
            identity,
            userid=username,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"saml-{username}"),
            authn=authn,
            sign_response=True,
            sign_assertion=True,
            **args,
        )
        http = server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            args["destination"],
            fields.get("RelayState", ""),
            response=True,
        )
        body = http["data"].encode() if isinstance(http["data"], str) else http["data"]
        headers = [("Set-Cookie", f"{COOKIE}={username}; Path=/; HttpOnly")]
        return _answer(start, "200 OK", body, "text/html; charset=utf-8", headers)


def _answer(
    start: Any, status: str, body: bytes, kind: str, headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    start(status, [("Content-Type", kind), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--sp-metadata", required=True)
    args = parser.parse_args()
    app = Idp(f"http://127.0.0.1:{args.port}", args.dir, args.sp_metadata)
    make_server("127.0.0.1", args.port, app, handler_class=_Quiet).serve_forever()


if __name__ == "__main__":
    main()
