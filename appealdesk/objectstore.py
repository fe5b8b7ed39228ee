"""The object-storage configuration (S3 API, django-storages) read from the environment: one
function, used by the settings and by the tests that point a storage at a stand-in server.

No Django import here: the settings module imports it before Django is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def s3_storage(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The `STORAGES["default"]` entry for `APPEALDESK_S3_BUCKET`, or None without a bucket."""
    bucket = env.get("APPEALDESK_S3_BUCKET", "")
    if not bucket:
        return None
    sse = env.get("APPEALDESK_S3_SSE", "")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": env.get("APPEALDESK_S3_PREFIX", ""),
            "endpoint_url": env.get("APPEALDESK_S3_ENDPOINT_URL") or None,
            "region_name": env.get("APPEALDESK_S3_REGION") or None,
            # unset: boto3's own chain (AWS_* variables, the instance's or pod's role)
            "access_key": env.get("APPEALDESK_S3_ACCESS_KEY_ID") or None,
            "secret_key": env.get("APPEALDESK_S3_SECRET_ACCESS_KEY") or None,
            # a name in use gets a new one, as on the disk: two cases may hold the same file
            # (the same SHA-256 name), and undoing one upload must never delete the other's
            "file_overwrite": False,
            "default_acl": None,  # the bucket's policy decides; objects are never public
            "querystring_auth": True,
            "object_parameters": {"ServerSideEncryption": sse} if sse else {},
        },
    }
