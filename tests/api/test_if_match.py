"""Optimistic locking over HTTP: every action needs `If-Match` with the case's ETag; a missing
one answers 428, a stale one 409 (naming who changed the case), a correct one 200 with the new
ETag, and the old ETag cannot be used twice."""

from __future__ import annotations

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case

pytestmark = pytest.mark.django_db

ACK = {"notice": "acknowledgement", "medium": "written"}


def test_a_read_gives_the_etag_of_the_version(callers, appeal):
    response = callers["bob"].call("GET", f"/cases/{appeal.number}")
    assert response.status_code == 200
    assert response["ETag"] == f'"v{response.json()["version"]}"' == '"v1"'


def test_an_action_without_if_match_is_428(callers, appeal):
    response = callers["bob"].call("POST", f"/cases/{appeal.number}/record-notice", ACK)
    assert response.status_code == 428
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 428 and problem["field"] == "If-Match"
    assert problem["type"].endswith("if_match_required") and '"v1"' in problem["detail"]
    assert Case.objects.get(pk=appeal.pk).version == 1  # nothing changed


def test_stale_then_correct_then_the_old_etag_again(callers, staff, appeal):
    bob = callers["bob"]
    path = f"/cases/{appeal.number}/record-notice"
    seen = bob.call("GET", f"/cases/{appeal.number}")["ETag"]
    # someone else changes the case in between
    sv.case_assign(appeal, actor=staff["sam"], owner=staff["bob"])

    stale = bob.call("POST", path, ACK, **{"If-Match": seen})
    assert stale.status_code == 409
    assert stale["Content-Type"] == "application/problem+json"
    assert "was changed by sam" in stale.json()["detail"]
    assert stale.json()["type"] == "urn:appealdesk:problem:stale_version"

    current = bob.call("GET", f"/cases/{appeal.number}")["ETag"]
    assert current == '"v2"'
    done = bob.call("POST", path, ACK, **{"If-Match": current})
    assert done.status_code == 200
    assert done["ETag"] == '"v3"' == f'"v{done.json()["version"]}"'

    again = bob.call("POST", path, ACK, **{"If-Match": current})  # a retry with the old ETag
    assert again.status_code == 409 and "was changed by bob" in again.json()["detail"]
    assert Case.objects.get(pk=appeal.pk).version == 3


def test_a_weak_etag_is_accepted_and_nonsense_is_422(callers, appeal):
    bob = callers["bob"]
    path = f"/cases/{appeal.number}/record-notice"
    for bad in ("*", "v1", '"1"', '"v"', '"v²"', '"v-1"', '"v99999999999999999999"'):
        response = bob.call("POST", path, ACK, **{"If-Match": bad})
        assert response.status_code == 422, bad
        assert response.json()["field"] == "If-Match"
    assert bob.call("POST", path, ACK, **{"If-Match": 'W/"v1"'}).status_code == 200


def test_escalation_checks_if_match_too(callers, staff, appeal):
    sv.case_assign(appeal, actor=staff["sam"], reviewer=staff["carol"])
    sv.case_decide(Case.objects.get(pk=appeal.pk), actor=staff["carol"], outcome="upheld")
    body = {"received_at": "2026-01-01T00:00:00Z", "channel": "mail"}
    path = f"/cases/{appeal.number}/escalate"
    assert callers["bob"].call("POST", path, body).status_code == 428
    assert callers["bob"].call("POST", path, body, **{"If-Match": '"v1"'}).status_code == 409
