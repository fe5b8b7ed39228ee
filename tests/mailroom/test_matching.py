"""Finding the member an item is about: a subscriber ID, the case it names, a name near a date
of birth that is that member's, a name alone; and what is not sure is marked for a person to
check, never a silent wrong match."""

from __future__ import annotations

import datetime as dt

import pytest

from appealdesk.cases.models import Party
from appealdesk.mailroom.birthdates import birth_dates, name_near
from appealdesk.mailroom.matching import match

TODAY = dt.date(2026, 3, 2)
JAN_2 = dt.date(1960, 1, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB: 01/02/1960", [JAN_2]),
        ("D.O.B. 1960-01-02", [JAN_2]),
        ("Date of birth: January 2, 1960", [JAN_2]),
        ("date of birth Jan. 2nd 1960", [JAN_2]),
        ("Birth date: 2 January 1960", [JAN_2]),
        ("DOB 1/2/60", [JAN_2]),  # a two-digit year of birth is in the past
        ("DOB#: 12-31-1999", [dt.date(1999, 12, 31)]),
        ("DOB 13/02/1960", [dt.date(1960, 2, 13)]),  # 13 cannot be a month: day first
        ("nacida el 2 de enero de 1960", [JAN_2]),
        ("Fecha de nacimiento: 25/12/1960", [dt.date(1960, 12, 25)]),
        # after a Spanish label, 01/02 may be day first (Spanish) or month first (a US form)
        ("Fecha de nacimiento: 01/02/1960", [dt.date(1960, 2, 1), JAN_2]),
        ("Date of service: 01/02/2026", []),  # not labelled a date of birth
        ("DOB: 02/30/1960", []),  # no such day
        ("DOB: 01/02/2030", []),  # not born yet
        ("DOB: 01/02/1860", []),  # before 1900
    ],
)
def test_dates_of_birth_are_read_after_a_label_in_each_way_they_are_written(text, expected):
    assert [b.date for b in birth_dates(f"Re: appeal. {text}. Thank you", today=TODAY)] == expected


@pytest.mark.parametrize(
    ("written", "near"),
    [
        ("Patient: Ana Ruiz\nDOB: 01/02/1960", True),
        ("RUIZ, ANA M.  D.O.B. 01/02/1960", True),
        ("Paciente: Ana Ruíz, fecha de nacimiento 02/01/1960", True),  # accents aside
        ("Patient: Ana Lopez DOB 01/02/1960", False),
        ("Ana " + "x" * 300 + " Ruiz DOB 01/02/1960", False),  # the name too far away
    ],
)
def test_a_members_name_is_looked_for_near_the_date_of_birth(written, near):
    [birth, *_] = birth_dates(written, today=TODAY)
    assert name_near("Ana Ruiz", written, birth) is near


def party(name: str, birth: dt.date | None, subscriber_id: str = "") -> Party:
    return Party.objects.create(
        role="member", name=name, birth_date=birth, subscriber_id=subscriber_id
    )


def matched(text: str, **kw):
    return match(text=text, subject="", addressed_to="", **kw)


@pytest.mark.django_db
def test_a_letter_without_an_id_is_matched_by_name_and_date_of_birth():
    ana = party("Ana Ruiz", JAN_2)
    party("Ana Ruiz", dt.date(1971, 5, 6))  # the same name, born another day
    party("Luis Ruiz", JAN_2)  # born the same day, another name
    found = matched("I am writing about my claim.\nRUIZ, ANA   DOB January 2, 1960")
    assert (found.member_id, found.member_by, found.member_review) == (
        ana.pk,
        "name and date of birth",
        "",
    )
    assert found.dates_of_birth == ["1960-01-02"]


@pytest.mark.django_db
def test_two_members_of_one_name_born_the_same_day_are_for_a_person_to_choose():
    party("Ana Ruiz", JAN_2)
    party("Ana Ruiz", JAN_2)
    found = matched("Member name: Ana Ruiz, DOB: 01/02/1960")
    assert found.member_id is None and found.member_by == ""
    assert "2 members fit the name and date of birth" in found.member_review


@pytest.mark.django_db
def test_a_name_alone_is_matched_for_review_and_a_date_of_birth_not_theirs_is_no_match():
    ana = party("Ana Ruiz", JAN_2)
    alone = matched("Member name: Ana Ruiz\nPlease review my claim.")
    assert (alone.member_id, alone.member_by) == (ana.pk, "name only")
    assert "matched by the name only (born 1960-01-02)" in alone.member_review
    other_day = matched("Member name: Ana Ruiz\nDOB: 03/04/1980")
    assert other_day.member_id is None  # never a silent wrong match
    assert "the date of birth on the item (1980-03-04) is not Ana Ruiz's" in other_day.member_review
    party("Ana Ruiz", None)
    two = matched("Member name: Ana Ruiz")
    assert two.member_id is None and "2 members of that name" in two.member_review


@pytest.mark.django_db
def test_a_family_sharing_a_subscriber_id_is_told_apart_by_name_and_date_of_birth():
    party("Pat Doe", dt.date(1958, 7, 1), "W7654321")  # the subscriber
    child = party("Sam Doe", dt.date(2010, 9, 9), "W7654321")  # a dependent: the same ID
    found = matched("Subscriber ID W7654321. Patient: Sam Doe, DOB 09/09/2010")
    assert (found.member_id, found.member_by) == (
        child.pk,
        "subscriber ID, name and date of birth",
    )
    neither = matched("Subscriber ID W7654321, about my appeal")
    assert neither.member_id is None and "2 members have subscriber ID W7654321" in (
        neither.member_review
    )


@pytest.mark.django_db
def test_a_subscriber_id_wins_and_a_date_of_birth_that_is_not_theirs_is_flagged():
    pat = party("Pat Doe", dt.date(1958, 7, 1), "W1234567")
    found = matched("Member ID: W1234567  DOB: 04/05/1961")
    assert (found.member_id, found.member_by) == (pat.pk, "subscriber ID")
    assert "(1961-04-05) is not Pat Doe's" in found.member_review
    sure = matched("Member ID: W1234567 Pat Doe DOB: 07/01/1958")
    assert (sure.member_by, sure.member_review) == ("subscriber ID, name and date of birth", "")


@pytest.mark.django_db
def test_a_case_number_gives_the_cases_member(receive, member):
    case = receive()
    party("Pat Doe", JAN_2)  # the same name: the case settles it
    found = matched(f"About case {case.number}: Member name: Pat Doe")
    assert (found.member_id, found.member_by) == (member.pk, "the case it names")


@pytest.mark.django_db
def test_a_date_of_birth_is_never_logged(caplog):
    import logging

    from appealdesk.demo.mail import text_pdf
    from appealdesk.mailroom import services as ms
    from appealdesk.mailroom.reader import item_read

    caplog.set_level(logging.DEBUG)
    party("Ana Ruiz", JAN_2)
    party("Ana Ruiz", JAN_2)  # ambiguous: the review names both, with their dates of birth
    item = ms.item_store(
        source="fax",
        raw=text_pdf([["I appeal the denial. Member name: Ana Ruiz", "DOB: 01/02/1960"]]),
        received_at=dt.datetime(2026, 3, 2, 17, tzinfo=dt.UTC),
        received_basis="test",
        addressed_to="+1 877 663 7526",
    ).item
    item_read(item.pk)
    item.refresh_from_db()
    assert "1960-01-02" in item.proposal["matched"]["member_review"]  # on the item, for staff
    assert "1960" not in caplog.text and "01/02" not in caplog.text
