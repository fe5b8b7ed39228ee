"""`/healthz` (the process answers; no database), `/readyz` (it can do its work: the database,
the file storage, a task queue that moves) and `/metrics` (Prometheus, behind a token)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse

from appealdesk.ops import gauges
from appealdesk.ops.metrics import exposition

# a name no stored file has: asking whether it exists is one round trip to the storage
PROBE = "readyz-probe"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def _check(what: str, checks: dict[str, dict[str, object]], probe: Callable[[], object]) -> None:
    started = time.perf_counter()
    try:
        detail = probe()
        checks[what] = {"ok": True}
        if isinstance(detail, dict):
            checks[what].update(detail)
    except Exception as exc:  # the answer says which part failed, and how
        checks[what] = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    checks[what]["ms"] = round((time.perf_counter() - started) * 1000, 1)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _storage() -> None:
    default_storage.exists(PROBE)


def _queue() -> dict[str, object]:
    queue = gauges.task_queue()
    limit = settings.READY_QUEUE_MAX_AGE_SECONDS
    if limit and queue.oldest_age > limit:
        raise RuntimeError(
            f"the oldest ready task has waited {queue.oldest_age:.0f} s (limit {limit} s): "
            "are the workers running?"
        )
    return {"depth": queue.depth, "oldest_seconds": round(queue.oldest_age, 1)}


def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, object]] = {}
    _check("database", checks, _database)
    _check("storage", checks, _storage)
    if checks["database"]["ok"]:
        _check("task_queue", checks, _queue)
    else:
        checks["task_queue"] = {"ok": False, "error": "the database is not reachable"}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:  # metrics are off: nothing here says they exist
        return HttpResponseNotFound()
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse("a valid metrics token is needed\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
