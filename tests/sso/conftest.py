"""The single sign-on world: a real OpenID Connect provider (django-oauth-toolkit, its own
Django process and SQLite database), a real SAML identity provider (pysaml2's Server, signing
with xmlsec1), and an appealdesk server configured for both and for the provider's access
tokens, seeded like the browser tests. Keys and certificates are made here. Every process
listens on 127.0.0.1 and is stopped by its PID."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.e2e.conftest import ADMIN_PASSWORD, _free_port, _run, _server_env  # noqa: F401
from tests.e2e.helpers import ROOT, unavailable
from tests.mailbox import Mailbox

API_AUDIENCE = "appealdesk-api"
CLIENT_SECRET = "test-client-secret-of-appealdesk"
SERVICE_USER = "bob"  # the seed's analyst: the machine client acts as him
MAPPING = {
    "groups": ["groups"],
    "roles": {"appeals-admins": ["administrator"], "appeals-analysts": ["analyst"]},
    "teams": {"appeals-analysts": ["UMP medical (Regence)"]},
}
CHECK_SECONDS = 3
SAML_PEOPLE = {
    "sara.saml": {"password": "saml-password-1", "groups": ["appeals-analysts"], "mfa": True},
    "sid.saml": {"password": "saml-password-1", "groups": ["appeals-analysts"], "mfa": True},
    "sue.saml": {"password": "saml-password-1", "groups": ["appeals-analysts"], "mfa": False},
}


@dataclass
class World:
    base: str
    provider: str
    idp: str
    idp_dir: Path
    data_dir: Path
    provider_env: dict[str, str]
    private_key: str  # the OIDC provider's (PEM), for the tests' own forged or expired tokens
    cases: dict[str, str]
    keys: dict[str, str]
    password: str
    provider_password: str
    log: Path
    provider_log: Path

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import sqlite3

        uri = f"file:{self.data_dir / 'appealdesk.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=10) as db:
            return db.execute(sql, params).fetchall()

    def provider_command(self, *args: str) -> str:
        return _run(
            [sys.executable, "-m", "django", "provider_people", *args],
            self.provider_env,
            "the provider's command",
        )

    def saml_disable(self, username: str) -> None:
        people = json.loads((self.idp_dir / "people.json").read_text())
        people[username]["active"] = False
        (self.idp_dir / "people.json").write_text(json.dumps(people))


def _rsa_key(folder: Path, name: str) -> tuple[Any, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    (folder / name).write_text(pem)
    return key, pem


def _certificate(key: Any, path: Path) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test identity provider")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not answer in 60 s:\n{log.read_text()}")
        time.sleep(0.2)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if not shutil.which("xmlsec1"):
        unavailable("xmlsec1 is not installed (apt-get install xmlsec1)")
    folder = tmp_path_factory.mktemp("sso")
    data_dir, idp_dir = folder / "desk", folder / "idp"
    data_dir.mkdir()
    idp_dir.mkdir()
    desk_port, provider_port, idp_port = _free_port(), _free_port(), _free_port()
    base = f"http://127.0.0.1:{desk_port}"
    provider = f"http://127.0.0.1:{provider_port}"
    idp = f"http://127.0.0.1:{idp_port}"
    _, private_key = _rsa_key(folder, "provider.key")
    idp_key, _ = _rsa_key(idp_dir, "idp.key")
    _certificate(idp_key, idp_dir / "idp.crt")
    (idp_dir / "people.json").write_text(json.dumps(SAML_PEOPLE))

    provider_env = {k: v for k, v in os.environ.items() if not k.startswith("APPEALDESK_")}
    provider_env.update(
        DJANGO_SETTINGS_MODULE="tests.sso.provider.settings",
        PROVIDER_DB=str(folder / "provider.sqlite3"),
        PROVIDER_KEY_FILE=str(folder / "provider.key"),
        PROVIDER_API_AUDIENCE=API_AUDIENCE,
        PROVIDER_ISSUER=f"{provider}/o",
        PYTHONPATH=str(ROOT),
    )
    django = [sys.executable, "-m", "django"]
    _run([*django, "migrate", "-v0"], provider_env, "the provider's migrate")
    setup = [*django, "provider_people", "setup", "--secret", CLIENT_SECRET]
    setup += ["--redirect-uri", f"{base}/oidc/callback/"]
    provider_password = json.loads(_run(setup, provider_env, "the provider's people"))["password"]

    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=_free_port())  # the seed's e-mail
    smtp.start()
    env = _server_env(data_dir, desk_port, smtp.port)
    env.update(
        APPEALDESK_OIDC_CLIENT_ID="appealdesk-web",
        APPEALDESK_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        APPEALDESK_OIDC_AUTHORIZATION_URL=f"{provider}/o/authorize/",
        APPEALDESK_OIDC_TOKEN_URL=f"{provider}/o/token/",
        APPEALDESK_OIDC_USERINFO_URL=f"{provider}/o/userinfo/",
        APPEALDESK_OIDC_JWKS_URL=f"{provider}/o/.well-known/jwks.json",
        APPEALDESK_OIDC_ISSUER=f"{provider}/o",
        APPEALDESK_OIDC_NAME="Test OIDC",
        APPEALDESK_SAML_IDP_METADATA=str(idp_dir / "idp.xml"),
        APPEALDESK_SAML_NAME="Test SAML",
        APPEALDESK_SAML_USERNAME_ATTRIBUTE="uid",
        APPEALDESK_SAML_MFA_CONTEXTS="https://refeds.org/profile/mfa",
        APPEALDESK_API_TOKEN_ISSUER=f"{provider}/o",
        APPEALDESK_API_TOKEN_JWKS_URL=f"{provider}/o/.well-known/jwks.json",
        APPEALDESK_API_TOKEN_AUDIENCE=API_AUDIENCE,
        APPEALDESK_API_TOKEN_CLIENTS=json.dumps(
            {"claims-system": {"user": SERVICE_USER, "scopes": ["cases:read"]}}
        ),
        APPEALDESK_SSO_MAPPING=json.dumps(MAPPING),
        APPEALDESK_SSO_CHECK_MINUTES=str(CHECK_SECONDS / 60),
        E2E_DEMO_CASES="12",
    )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(
            _start(
                [*django, "runserver", f"127.0.0.1:{provider_port}", "--noreload"],
                provider_env,
                folder / "provider.log",
            )
        )
        idp_args = [sys.executable, "-m", "tests.sso.saml_idp", "--port", str(idp_port)]
        idp_args += ["--dir", str(idp_dir), "--sp-metadata", f"{base}/saml2/metadata/"]
        processes.append(_start(idp_args, provider_env, folder / "idp.log"))
        _wait(f"{idp}/metadata", processes[1], folder / "idp.log", "the SAML identity provider")
        _run([sys.executable, "-m", "appealdesk.cli", "init"], env, "appealdesk init")
        seeded = json.loads(
            _run([sys.executable, str(ROOT / "tests/e2e/seed.py")], env, "the seed")
        )
        serve = [sys.executable, "-m", "appealdesk.cli", "serve", "--port", str(desk_port)]
        processes.append(_start([*serve, "--workers", "1"], env, data_dir / "server.log"))
        _wait(
            f"{provider}/o/.well-known/openid-configuration",
            processes[0],
            folder / "provider.log",
            "the OpenID Connect provider",
        )
        _wait(f"{base}/desk/login/", processes[2], data_dir / "server.log", "appealdesk")
        yield World(
            base=base,
            provider=provider,
            idp=idp,
            idp_dir=idp_dir,
            data_dir=data_dir,
            provider_env=provider_env,
            private_key=private_key,
            cases=seeded["cases"],
            keys=seeded["keys"],
            password=seeded["password"],
            provider_password=provider_password,
            log=data_dir / "server.log",
            provider_log=folder / "provider.log",
        )
    finally:
        for process in reversed(processes):
            _stop(process)
        smtp.stop()
