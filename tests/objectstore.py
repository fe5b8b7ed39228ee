"""Object storage for the tests: moto's standalone S3 server on 127.0.0.1 (a stand-in for the
plan's S3 or S3-compatible store; no real S3 server can be installed on these machines) and a
fixture that runs a test once on the local folder and once on a fresh bucket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from appealdesk.objectstore import s3_storage

REGION = "us-east-1"
KEYS = {"APPEALDESK_S3_ACCESS_KEY_ID": "stand-in", "APPEALDESK_S3_SECRET_ACCESS_KEY": "stand-in"}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto S3 server on 127.0.0.1 (a free port), for the whole test session."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def bucket_env(endpoint: str, bucket: str | None = None) -> dict[str, str]:
    """The environment that points appealdesk at a new, empty bucket on `endpoint`."""
    import boto3

    bucket = bucket or f"appealdesk-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="stand-in",
        aws_secret_access_key="stand-in",
    ).create_bucket(Bucket=bucket)
    return {
        "APPEALDESK_S3_BUCKET": bucket,
        "APPEALDESK_S3_ENDPOINT_URL": endpoint,
        "APPEALDESK_S3_REGION": REGION,
        **KEYS,
    }


def bucket_keys(env: dict[str, str]) -> list[str]:
    """Every object name in the bucket of `env`."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=env["APPEALDESK_S3_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="stand-in",
        aws_secret_access_key="stand-in",
    )
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=env["APPEALDESK_S3_BUCKET"])
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


@pytest.fixture(params=["local", "s3"])
def file_storage(request, settings, tmp_path) -> str:
    """Run the test on the local folder and again on a fresh bucket of the moto server; the
    answer is the backend's name. Either way nothing is left in the other place."""
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.MEDIA_ROOT = tmp_path / "files"
    if request.param == "local":
        settings.S3_BUCKET = ""
        return "local"
    env = bucket_env(request.getfixturevalue("moto_endpoint"))
    settings.S3_BUCKET = env["APPEALDESK_S3_BUCKET"]
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(env)}
    request.node.bucket_env = env
    return "s3"
