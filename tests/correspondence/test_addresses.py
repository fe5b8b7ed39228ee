"""Invalid e-mail addresses (issue 15): an address the API once took ("a@b@c") made the letter
task raise, and the letter stayed "sending" for ever with no event. Addresses are checked where
they enter; one on file from before is refused in words at the send; and any failure of a
delivery ends the letter as `failed` with its reason and a `letter.send_failed` event."""

from __future__ import annotations

import pytest

from appealdesk.cases.errors import Refused
from appealdesk.cases.models import Event, Party
from appealdesk.correspondence.models import LetterStatus
from appealdesk.correspondence.services import letter_deliver, letter_generate, letter_send
from tests.correspondence.test_sending import recent_appeal

INVALID = ["a@b@c", "x@", "pat doe@", "a@b..c", "a@b\nBcc: x@y.org", "pat@example.org\r"]


def party_with(email: str) -> Party:
    # an address stored before it was checked (a record from an earlier version, a fixture)
    return Party.objects.create(role="member", name="Lee Roe", email=email, email_consent=True)


@pytest.mark.django_db
def test_a_stuck_letter_no_more_an_address_broken_after_queueing_fails_with_an_event(
    cases, smtp, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    case = recent_appeal(cases)
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    letter_send(letter, actor=cases.people["bob"])  # queued; no worker has run yet
    Party.objects.filter(pk=cases.member.pk).update(email="a@b@c")
    assert letter_deliver(letter.pk) == LetterStatus.FAILED
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    assert "not a valid e-mail address" in letter.send_error
    failed = Event.objects.get(case=case, action="letter.send_failed")
    assert "not a valid e-mail address" in failed.reason
    assert smtp.messages == []


@pytest.mark.django_db
def test_any_error_of_the_mail_backend_fails_the_send_with_its_reason(
    cases, smtp, monkeypatch, settings
):
    from django.core.mail.backends.smtp import EmailBackend

    def broken(self, messages):
        raise ValueError("the backend could not encode a header")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    # through the settings fixture: its signal resets django-tasks' cached backends (patching
    # the attribute left the database backend cached for every later test)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    case = recent_appeal(cases)
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    letter_send(letter, actor=cases.people["bob"])
    assert letter_deliver(letter.pk) == LetterStatus.FAILED
    letter.refresh_from_db()
    assert "ValueError: the backend could not encode a header" in letter.send_error
    assert Event.objects.filter(case=case, action="letter.send_failed").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("email", INVALID)
def test_an_invalid_address_on_file_is_refused_at_the_send_in_words(cases, smtp, email):
    case = recent_appeal(cases, member=party_with(email))
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    with pytest.raises(Refused, match="is not a valid e-mail address"):
        letter_send(letter, actor=cases.people["bob"])
    letter.refresh_from_db()
    assert letter.status == LetterStatus.GENERATED and smtp.messages == []
