"""JSON logs without PHI (issue 19, item 5): desk, portal, API and mailroom flows run in a
pytest of their own with the log written to a file (`APPEALDESK_LOG_FILE`, the JSON format of
production at its INFO level); the file is read line by line and searched for every member
name and identifier those flows use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOWS = [
    "tests/ops/phi_flows.py",
    "tests/desk/test_intake.py",
    "tests/desk/test_worklist_tools.py",
    "tests/desk/test_mailroom_pages.py",
    "tests/portal/test_filing.py",
    "tests/portal/test_status.py",
    "tests/api/test_idempotency.py",
]
# the names and identifiers of members and representatives in those flows and their fixtures
PHI = [
    "Zelda Quintavalle",
    "ZQ99887766",
    "Pat Doe",
    "W1234567",
    "W7654321",
    "Maria Lopez",
    "Mario Lopes",
    "Ivan Petrov",
    "Ruth Adams",
    "Robin Roe",
    "Ana Ruiz",
    "Sam Park",
]


def test_a_run_of_desk_portal_and_api_flows_logs_no_member_name_or_id(tmp_path):
    log_file = tmp_path / "appealdesk.jsonl"
    env = {
        **os.environ,
        "APPEALDESK_LOG_FILE": str(log_file),
        "APPEALDESK_LOG_FORMAT": "json",
        "APPEALDESK_LOG_LEVEL": "INFO",
        "APPEALDESK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT),
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *FLOWS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    requests = [e for e in lines if e["logger"] == "appealdesk.request"]
    # the file holds the run: a request line for every request, each with its id
    assert len(requests) > 150
    assert all(len(e["request_id"]) == 32 and e["route"] for e in requests)
    assert {"desk/search/", "api/v1/cases", "portal/cases/<str:number>/"} <= {
        e["route"] for e in requests
    }
    # Django's own lines about refused requests are there too, naming the pattern
    assert any(e["logger"] == "django.request" for e in lines)
    text = log_file.read_text().lower()
    found = [phi for phi in PHI if phi.lower() in text]
    assert not found, f"PHI in the log: {found}"
