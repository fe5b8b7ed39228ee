"""A real IMAP server for the tests: Debian's Dovecot, started on 127.0.0.1 and a free port with
a throwaway mail store and a plain password, stopped by its PID. It runs as root (as Dovecot's
master process must) with a minimal config of our own; mail belongs to `nobody`."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.mailroom.needs import require, unavailable

CONFIG = """\
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth2_mechanisms}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth2_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""

# Dovecot's OAuth2 password database (v2.2.28+): XOAUTH2 and OAUTHBEARER sign-ins are checked by
# POSTing the token to an RFC 7662 introspection endpoint, which must say it is active and whose
# user it is. No result cache (auth_cache_size is 0): each sign-in asks the endpoint.
OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
"""
OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
"""


@dataclass(frozen=True)
class Imap:
    host: str
    port: int
    username: str
    password: str
    root: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Dovecot did not answer on port {port} within {seconds:.0f} s")


@contextmanager
def dovecot_server(*, introspection_url: str = "") -> Iterator[Imap]:
    """Start Dovecot (as root) on 127.0.0.1 and a free port; stop it by its PID on exit. With
    `introspection_url`, it also takes XOAUTH2 sign-ins, checked at that endpoint."""
    nobody = pwd.getpwnam("nobody")
    # not under pytest's tmp_path: its parents are private to root, and mail is nobody's
    root = Path(tempfile.mkdtemp(prefix="appealdesk-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", nobody.pw_uid, nobody.pw_gid)
    password = "imap-test-password"
    (root / "passwd").write_text(f"clerk@plan.example:{{PLAIN}}{password}\n")
    port = _free_port()
    config = root / "dovecot.conf"
    oauth2 = {"oauth2_mechanisms": "", "oauth2_passdb": ""}
    if introspection_url:
        (root / "dovecot-oauth2.conf.ext").write_text(OAUTH2_CONFIG.format(url=introspection_url))
        oauth2 = {
            "oauth2_mechanisms": " xoauth2 oauthbearer",
            "oauth2_passdb": OAUTH2_PASSDB.format(root=root),
        }
    config.write_text(
        CONFIG.format(root=root, port=port, uid=nobody.pw_uid, gid=nobody.pw_gid, **oauth2)
    )
    subprocess.run(["dovecot", "-c", str(config)], check=True, timeout=30)
    try:
        _wait(port, 20)
        yield Imap("127.0.0.1", port, "clerk@plan.example", password, root)
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)  # only the master this server started
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)


def require_dovecot() -> None:
    require("dovecot")
    if os.geteuid() != 0:
        unavailable("Dovecot's master process must start as root (run the tests as root)")


@pytest.fixture
def dovecot() -> Iterator[Imap]:
    require_dovecot()
    with dovecot_server() as imap:
        yield imap
