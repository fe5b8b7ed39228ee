"""The deployment of docs/deploy.md on one machine (issue 19): PostgreSQL, two gunicorn web
servers (`appealdesk serve`) with separate empty data folders, two task workers and an object
store (moto's S3 server, a stand-in for S3). A bounded client spreads API, desk and portal
traffic over both servers; one server and one worker are killed (SIGKILL) mid-load and the
client retries on the other server. Afterwards: every acknowledged case exists once, every
uploaded document reads back from the surviving server, and no letter was e-mailed twice."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import requests

from tests import pgcluster
from tests.mailbox import free_port
from tests.objectstore import REGION, bucket_env
from tests.ops.installation import ROOT, environment, python

pytestmark = pytest.mark.postgres
LOAD_SECONDS = 40
KILL_AFTER = 12
THREADS = 4
MAX_OPERATIONS = 300  # cases, each with a document; every third with a letter e-mailed


def _env(tmp_path: Path, primary: pgcluster.Cluster, s3: dict[str, str], name: str):
    return environment(
        DATABASE_URL=primary.url(),
        APPEALDESK_DATA_DIR=str(tmp_path / name),  # each its own, empty
        APPEALDESK_STATIC_ROOT=str(tmp_path / "static"),  # built once, shared like the code
        APPEALDESK_SECRET_KEY="topology-test-secret-" + "k" * 40,
        APPEALDESK_MFA="optional",
        APPEALDESK_LOG_LEVEL="WARNING",
        APPEALDESK_ALLOWED_HOSTS="127.0.0.1",
        **s3,
    )


def _run(env: dict[str, str], *args: str) -> str:
    return python(env, *args).stdout


def _start(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "appealdesk.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: gunicorn's master and workers die together
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _wait_ready(base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{base} did not become ready: {log.read_text()[-3000:]}")


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n% evidence {tag}\n%%EOF\n".encode()


class Client:
    """Retries an operation on the other server while the one it used does not answer."""

    def __init__(self, bases: list[str], key: str) -> None:
        self.bases = bases
        self.key = key
        self.retries = Counter()

    def call(self, method: str, path: str, start: int, **kwargs):
        kwargs.setdefault("timeout", 30)
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        last: object = None
        for attempt in range(8):
            base = self.bases[(start + attempt) % len(self.bases)]
            try:
                answer = requests.request(method, f"{base}{path}", headers=headers, **kwargs)
            except requests.ConnectionError as exc:
                last = exc
                self.retries["connection"] += 1
                continue
            if answer.status_code >= 500:
                last = answer.status_code
                self.retries[str(answer.status_code)] += 1
                time.sleep(0.2)
                continue
            return answer
        raise AssertionError(f"{method} {path}: no server answered ({last})")


def _operation(client: Client, n: int, record: dict[str, list]) -> None:
    key = f"load-{n}-{uuid.uuid4().hex[:8]}"
    body = {
        "request": {
            "program": "ump",
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 600)),
            "channel": "phone",
            "filed_by": "member",
            "requested": "appeal",
            "category": "claim_payment",
            "service": "medical",
            "notice_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() - 30 * 86400)),
        },
        "member": {
            "name": f"Load Member {key}",
            "subscriber_id": f"L{n:07d}",
            "email": f"{key}@example.org",
            "email_consent": True,
        },
        "backdate_reason": "entered after the call",
    }
    made = client.call("POST", "/api/v1/cases", n, json=body, headers={"Idempotency-Key": key})
    assert made.status_code == 201, made.text
    number = made.json()["number"]
    record["acknowledged"].append((key, number))
    data = _pdf(key)
    upload = client.call(
        "POST",
        f"/api/v1/cases/{number}/documents",
        n + 1,
        files={"file": ("evidence.pdf", data, "application/pdf")},
        data={"kind": "evidence"},
    )
    assert upload.status_code == 201, upload.text
    record["documents"].append((number, upload.json()["id"], data))
    if n % 3 == 0:
        case = client.call("GET", f"/api/v1/cases/{number}", n)
        letter = client.call(
            "POST",
            f"/api/v1/cases/{number}/letters",
            n,
            json={"kind": "acknowledgement"},
            headers={"If-Match": case.headers["ETag"]},
        )
        assert letter.status_code == 201, letter.text
        case = client.call("GET", f"/api/v1/cases/{number}", n)
        sent = client.call(
            "POST",
            f"/api/v1/cases/{number}/letters/{letter.json()['id']}/send",
            n + 1,
            headers={"If-Match": case.headers["ETag"]},
        )
        assert sent.status_code in (202, 409), sent.text
        record["letters"].append((number, letter.json()["id"], f"{key}@example.org"))


def _desk_and_portal(bases: list[str], number: str) -> None:
    """Sign in to the desk on one server and use the session on the other (one secret key, the
    sessions in the database); the portal's pages from both."""
    session = requests.Session()
    alive = []
    for base in bases:
        try:
            session.get(f"{base}/desk/login/", timeout=10)
            alive.append(base)
        except requests.ConnectionError:
            continue
    first = alive[0]
    token = session.cookies["csrftoken"]
    signed = session.post(
        f"{first}/desk/login/",
        data={"username": "lena", "password": "topology-password-1", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{first}/desk/login/"},
        timeout=30,
    )
    assert signed.status_code == 200 and "/desk/login/" not in signed.url, signed.url
    for base in alive:
        page = session.get(f"{base}/desk/search/", params={"q": number}, timeout=30)
        assert page.status_code == 200 and "/desk/login/" not in page.url
        assert requests.get(f"{base}/portal/", timeout=30).status_code == 200


def test_two_servers_two_workers_one_of_each_killed_mid_load(tmp_path, moto_endpoint):
    if os.environ.get("APPEALDESK_TEST_DB") != "postgres":
        pytest.skip("runs in the PostgreSQL pass of ./dev test")
    binaries = pgcluster.need_postgres_binaries()
    primary = pgcluster.primary(binaries)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        s3 = bucket_env(moto_endpoint)
        setup = _env(tmp_path, primary, s3, "setup")
        _run(setup, "-m", "appealdesk.cli", "manage", "migrate", "--verbosity", "0")
        _run(setup, "-m", "appealdesk.cli", "manage", "collectstatic", "--noinput", "-v", "0")
        key = json.loads(_run(setup, "-m", "tests.ops.topology_setup"))["key"]
        ports = [free_port(), free_port()]
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for i, port in enumerate(ports):
            env = _env(tmp_path, primary, s3, f"web{i}")
            processes.append(
                _start(
                    env,
                    "serve",
                    "--port",
                    str(port),
                    "--no-task-worker",
                    log=tmp_path / f"web{i}.log",
                )
            )
        for i in range(2):
            env = _env(tmp_path, primary, s3, f"worker{i}")
            processes.append(_start(env, "worker", log=tmp_path / f"worker{i}.log"))
        for base, i in zip(bases, range(2), strict=True):
            _wait_ready(base, tmp_path / f"web{i}.log")

        client = Client(bases, key)
        record: dict[str, list] = {"acknowledged": [], "documents": [], "letters": []}
        errors: list[str] = []
        counter = iter(range(MAX_OPERATIONS))
        lock = threading.Lock()
        stop_at = time.monotonic() + LOAD_SECONDS

        def work() -> None:
            while time.monotonic() < stop_at:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                try:
                    _operation(client, n, record)
                except Exception as exc:  # the test fails below, naming it
                    errors.append(f"operation {n}: {exc}")

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(KILL_AFTER)
        _desk_and_portal(bases, record["acknowledged"][0][1])
        _kill(processes[0])  # web server 1, master and workers
        _kill(processes[2])  # worker 1
        killed_at = len(record["acknowledged"])
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS + 120)
        survivor = [bases[1]]
        _desk_and_portal(survivor, record["acknowledged"][-1][1])
        assert not errors, errors[:5]
        acknowledged = record["acknowledged"]
        assert len(acknowledged) > killed_at > 0, "load continued on the other server"
        assert client.retries, "the kill happened while the client was busy"

        # every acknowledged case exists exactly once
        with psycopg.connect(primary.url()) as conn:
            names = Counter(
                row[0]
                for row in conn.execute(
                    "SELECT p.name FROM cases_case c JOIN cases_party p ON p.id = c.member_id"
                )
            )
        for key_, number in acknowledged:
            assert names[f"Load Member {key_}"] == 1, (key_, number)
        assert sum(names.values()) == len(acknowledged)

        # every uploaded document reads back from the surviving server, byte for byte
        reader = Client(survivor, key)
        for number, document_id, data in record["documents"]:
            got = reader.call("GET", f"/api/v1/cases/{number}/documents/{document_id}", 0)
            assert got.status_code == 200 and got.content == data, (number, document_id)

        # the letters: the surviving worker sends what is queued; none is e-mailed twice
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with psycopg.connect(primary.url()) as conn:
                waiting = conn.execute(
                    "SELECT count(*) FROM correspondence_letter WHERE status = 'queued'"
                ).fetchone()[0]
            if not waiting:
                break
            time.sleep(1)
        assert not waiting, f"{waiting} letters still queued"
        with psycopg.connect(primary.url()) as conn:
            statuses = dict(
                conn.execute(
                    "SELECT id, status FROM correspondence_letter WHERE sent_at IS NOT NULL"
                    " OR status <> 'draft'"
                ).fetchall()
            )
        import boto3

        bucket = boto3.client(
            "s3",
            endpoint_url=moto_endpoint,
            region_name=REGION,
            aws_access_key_id="stand-in",
            aws_secret_access_key="stand-in",
        )
        listed = bucket.list_objects_v2(Bucket=s3["APPEALDESK_S3_BUCKET"], Prefix="outbox/")
        recipients = Counter()
        for entry in listed.get("Contents", []):
            raw = bucket.get_object(Bucket=s3["APPEALDESK_S3_BUCKET"], Key=entry["Key"])
            message = email.message_from_bytes(raw["Body"].read(), policy=email.policy.default)
            recipients[str(message["To"])] += 1
        sent = Counter()
        for _, letter_id, address in record["letters"]:
            if statuses.get(letter_id) == "sent":
                sent[address] += 1
        assert sent, "no letter was sent"
        for address, count in recipients.items():
            assert re.fullmatch(r"load-\d+-[0-9a-f]{8}@example\.org", address)
            assert count == sent[address], (address, count, sent[address])
        assert sum(recipients.values()) == sum(sent.values())
        print(
            f"\ntopology: {len(acknowledged)} cases ({killed_at} before the kill), "
            f"{len(record['documents'])} documents, {sum(sent.values())} letters sent, "
            f"{Counter(statuses.values())}, retries {dict(client.retries)}"
        )
    finally:
        for process in processes:
            _kill(process)
        primary.remove()
