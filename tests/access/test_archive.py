"""The access log's months archived, pruned and verified (issue 24 item 3): the round trip on
the database of the run (SQLite, and PostgreSQL in its pass), a tampered archive found, months
kept when they are not archived, not verified or not past the retention."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from django.core.files.storage import default_storage
from typer.testing import CliRunner

from appealdesk.access import archive, partitions
from appealdesk.access.archive import ArchiveError, archive_month, chain_verify, prune
from appealdesk.access.models import AccessArchive, AccessLog
from appealdesk.cli import app

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.AUDIT_RETENTION_YEARS = 6


def looks(year: int, month: int, n: int) -> list[int]:
    """n rows in the month (a list read naming two cases and a member, a refused case page…)."""
    made = []
    for i in range(n):
        row = AccessLog.objects.create(
            username=f"user{i % 3}",
            case_number="UMP-2018-0001" if i % 2 else f"{n} cases",
            case_ids=[] if i % 2 else [i + 1, i + 2],
            member_ids=[7] if i % 3 == 0 else [],
            what="case page" if i % 2 else "worklist team",
            allowed=i != 4,
            path=f"/desk/?page={i}",
            ip="127.0.0.1",
        )
        at = dt.datetime(year, month, 1 + i % 27, 8, i % 60, tzinfo=dt.UTC)
        AccessLog.objects.filter(pk=row.pk).update(at=at)
        made.append(row.pk)
    partitions.partitions_ensure(now=NOW)  # PostgreSQL: the month's partition, as the worker does
    return made


def month(text: str) -> dt.date:
    return archive.month_parse(text)


def test_archive_prune_verify_round_trip():
    january, february, later = looks(2018, 1, 30), looks(2018, 2, 5), looks(2019, 3, 2)
    recent = looks(2026, 11, 3)
    before = {r["id"]: r for r in AccessLog.objects.filter(id__in=january).values()}
    first = archive_month(month("2018-01"), now=NOW)
    second = archive_month(month("2018-02"), now=NOW)
    archive_month(month("2019-03"), now=NOW)
    assert (first.rows, second.rows) == (30, 5)
    assert first.previous_sha256 == "" and second.previous_sha256 == first.manifest_sha256
    assert chain_verify() == (3, [])

    outcome = prune(dt.date(2018, 3, 1), now=NOW)
    assert [(p.month, p.done) for p in outcome] == [
        (month("2018-01"), True),
        (month("2018-02"), True),
    ]
    assert not AccessLog.objects.filter(id__in=january + february).exists()
    assert AccessLog.objects.filter(id__in=later + recent).count() == 5
    if partitions.is_partitioned():  # PostgreSQL: the month's partition detached and dropped
        assert month("2018-01") not in partitions.partitions()
        assert month("2019-03") in partitions.partitions()
    # every look of the pruned month is still answerable, from its archive
    rows = {
        r["id"]: r for r in archive.archived_rows(AccessArchive.objects.get(month=month("2018-01")))
    }
    assert rows.keys() == before.keys()
    sample = rows[january[0]]
    assert sample["case_ids"] == before[january[0]]["case_ids"] == [1, 2]
    assert sample["member_ids"] == [7] and sample["allowed"] is True
    assert rows[january[4]]["allowed"] is False
    assert archive.row_at(sample["at"]) == before[january[0]]["at"]
    assert sample["ip"] == "127.0.0.1" and sample["username"] == "user0"
    assert chain_verify() == (3, [])
    # pruning again finds nothing more; the cases' event log is not touched by any of it
    assert prune(dt.date(2018, 3, 1), now=NOW) == []


def test_the_retention_keeps_a_young_month(settings):
    looks(2022, 5, 2)
    archive_month(month("2022-05"), now=NOW)
    outcome = prune(dt.date(2026, 1, 1), now=NOW)  # four years old: within six
    assert outcome == [] and AccessLog.objects.count() == 2
    settings.AUDIT_RETENTION_YEARS = 3
    assert [p.done for p in prune(dt.date(2026, 1, 1), now=NOW)] == [True]
    assert not AccessLog.objects.exists()


def test_a_month_not_archived_is_kept():
    looks(2018, 1, 2)
    outcome = prune(dt.date(2019, 1, 1), now=NOW)
    assert [(p.month, p.done, p.failed) for p in outcome] == [(month("2018-01"), False, False)]
    assert AccessLog.objects.count() == 2


def _rewrite(name: str, change) -> None:
    path = default_storage.path(name)
    with gzip.open(path, "rb") as f:
        lines = f.readlines()
    with gzip.open(path, "wb") as f:
        f.writelines(change(lines))


def test_a_tampered_archive_is_found_and_not_pruned():
    looks(2018, 1, 4)
    looks(2018, 2, 3)
    first = archive_month(month("2018-01"), now=NOW)
    archive_month(month("2018-02"), now=NOW)
    # someone removes the look of one user from the archive (and keeps the file valid gzip)
    _rewrite(first.file_name, lambda lines: [x for x in lines if b'"user1"' not in x])
    checked, problems = chain_verify()
    assert checked == 2 and any("2018-01: the file" in p for p in problems), problems
    assert any("2018-01: the archive holds 3 rows, not the 4" in p for p in problems)
    outcome = prune(dt.date(2018, 3, 1), now=NOW)
    assert [(p.done, p.failed) for p in outcome] == [(False, True), (True, False)]
    assert AccessLog.objects.count() == 4  # January stays in the database
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "PROBLEM 2018-01" in result.output


def test_a_replaced_manifest_breaks_the_chain():
    looks(2018, 1, 2)
    looks(2018, 2, 2)
    first = archive_month(month("2018-01"), now=NOW)
    archive_month(month("2018-02"), now=NOW)
    path = default_storage.path(first.manifest_name)
    with open(path, "ab") as f:
        f.write(b" ")
    problems = chain_verify()[1]
    assert problems == ["2018-01: the manifest access-log/2018-01.manifest.json has been changed"]


def test_a_row_removed_from_the_database_after_archiving_is_found():
    ids = looks(2018, 1, 3)
    archive_month(month("2018-01"), now=NOW)
    AccessLog.objects.filter(pk=ids[1]).delete()
    problems = chain_verify()[1]
    assert problems and "the database holds 2 rows of the month, the archive 3" in problems[0]


def test_months_are_archived_in_order_and_only_when_over():
    looks(2018, 1, 1)
    looks(2018, 3, 1)
    with pytest.raises(ArchiveError, match="2018-01 has rows and no archive"):
        archive_month(month("2018-03"), now=NOW)
    with pytest.raises(ArchiveError, match="not over yet"):
        archive_month(month("2026-12"), now=NOW)
    archive_month(month("2018-01"), now=NOW)
    with pytest.raises(ArchiveError, match="archived already"):
        archive_month(month("2018-01"), now=NOW)
    empty = archive_month(month("2018-02"), now=NOW)  # a month without rows links the chain
    assert empty.rows == 0
    archive_month(month("2018-03"), now=NOW)
    assert chain_verify() == (3, [])


def test_the_commands(settings):
    looks(2018, 1, 2)
    runner = CliRunner()
    done = runner.invoke(app, ["audit", "archive", "--month", "2018-01"])
    assert done.exit_code == 0, done.output
    assert "2018-01: 2 rows in access-log/2018-01.jsonl.gz" in done.output
    bad = runner.invoke(app, ["audit", "archive", "--month", "2018-13"])
    assert bad.exit_code == 2 and "not a month written YYYY-MM" in bad.output
    pruned = runner.invoke(app, ["audit", "prune", "--before", "2019-01-01"])
    assert pruned.exit_code == 0 and "2018-01: removed, 2 rows" in pruned.output
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "checked 1 archived months: every archive intact" in verified.output


def test_a_record_edited_to_match_a_replaced_file_or_removed_is_found():
    looks(2018, 1, 3)
    looks(2018, 2, 2)
    first = archive_month(month("2018-01"), now=NOW)
    second = archive_month(month("2018-02"), now=NOW)
    _rewrite(first.file_name, lambda lines: lines[:2])
    with default_storage.open(first.file_name, "rb") as f:
        first.file_sha256 = archive._file_sha256(f)
    first.rows = 2
    first.save()
    problems = chain_verify()[1]
    assert "2018-01: the database's record of the archive differs from its manifest" in problems
    second.delete()
    problems = chain_verify()[1]
    assert problems[-1] == (
        "access-log/2018-02.manifest.json: a manifest no archive record names (a record removed?)"
    )


def test_verify_prints_the_chain_head():
    looks(2018, 1, 1)
    done = archive_month(month("2018-01"), now=NOW)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert f"chain head 2018-01 {done.manifest_sha256}" in result.output
