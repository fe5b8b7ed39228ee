"""A small pack built in a test: a grievance program whose filing windows and clocks a test
sets, loaded through the same loader as a pack file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from appealdesk.policy import PackRegistry, assess
from appealdesk.policy.loader import LoadedPack, load_pack_text

SOURCE = {"spec": "a test of the pack format"}
RECEIVED = "2026-03-02T10:15:00-08:00"

BASE: dict[str, Any] = {
    "program": "test",
    "name": "Test program",
    "version": "1",
    "effective_from": "2020-01-01",
    "time_zone": "America/Los_Angeles",
    "calendar": {
        "id": "ca",
        "holidays": {"country": "US", "subdiv": "CA", "package_version": "0.109"},
        "opening_hours": {"opens": "09:00", "closes": "17:30", "source": SOURCE},
        "source": SOURCE,
    },
    "handlers": {"desk": {"name": "The desk", "role": "decides", "source": SOURCE}},
    "categories": {
        "service": {"label": "Service", "class": "grievance", "source": SOURCE},
        "refused_expedite": {
            "label": "Refused to expedite",
            "class": "grievance",
            "source": SOURCE,
        },
    },
    "rules": {
        "kind": [
            {
                "id": "grievance",
                "then": {"kind": "grievance"},
                "reason": "a grievance",
                "source": SOURCE,
            }
        ],
        "handler": [
            {"id": "desk", "then": {"handler": "desk"}, "reason": "the desk", "source": SOURCE}
        ],
    },
    "processes": [
        {"kind": "grievance", "label": "Grievance", "filing": [{"window": None}], "clocks": []}
    ],
}


def window(**fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "basis": ["notice_date"],
        "length": 60,
        "unit": "calendar_days",
        "rule": "the test window",
        "starts": "date of the notice",
        "untimely": "Outside the test window.",
        "source": SOURCE,
    }
    out.update(fields)
    return out


def clock(cid: str, unit: str, length: int | None = None, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": cid, "label": cid, "unit": unit, "met_by": ["decided"]}
    if length is not None:
        out["length"] = length
    out.update(fields, source=SOURCE)
    return out


def pack_data(
    *,
    filing: list[dict[str, Any]] | None = None,
    clocks: list[dict[str, Any]] | None = None,
    **top: Any,
) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    process = data["processes"][0]
    if filing is not None:
        process["filing"] = filing
    if clocks is not None:
        process["clocks"] = clocks
    data.update(top)
    return data


def load(data: dict[str, Any], file: Path | None = None) -> LoadedPack:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return load_pack_text(text, file or Path("test.yaml"))


def assess_with(data: dict[str, Any], **request: Any) -> dict[str, Any]:
    registry = PackRegistry([load(data)])
    base = {"program": "test", "received_at": RECEIVED, "channel": "mail", "category": "service"}
    return assess({**base, **request}, registry=registry)
