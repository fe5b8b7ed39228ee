"""The portal's language choice is the member's letters' language (issue 18, item 9): a person
who registers or files in Spanish (the `appealdesk_language` cookie, or the browser's
Accept-Language) gets Spanish letters; filing in English again sets it back, with an event."""

from __future__ import annotations

import pytest
from django.test import Client

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.models import Case, Event
from appealdesk.correspondence.models import Letter
from tests.portal.test_accounts import NEW
from tests.portal.test_filing import claim_appeal, details, pdf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("cookie", "language"), [("es", "es"), ("en", "")])
def test_registering_in_a_language_sets_the_partys(cookie, language):
    c = Client(HTTP_HOST="127.0.0.1")
    c.cookies["appealdesk_language"] = cookie
    c.post("/portal/register/", NEW)
    account = PortalAccount.objects.get(user__username="maria.lopez@example.org")
    assert account.party.language == language


def test_filing_in_spanish_makes_spanish_letters(
    maria, signed_in, medical, django_capture_on_commit_callbacks
):
    assert maria.party.language == ""
    client = signed_in(maria)
    client.cookies["appealdesk_language"] = "es"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/file/", {**claim_appeal(), **details(), "eob": pdf()})
    assert response.status_code == 302
    case = Case.objects.get()
    maria.party.refresh_from_db()
    assert maria.party.language == "es"
    event = Event.objects.get(case=case, action="party.language_set")
    assert (event.before["language"], event.after["language"]) == ("en", "es")
    assert event.actor == maria.user
    letter = Letter.objects.get(case=case, kind="acknowledgement")
    assert letter.language == "es"
    assert letter.subject == "Recibimos su apelación de primer nivel"


def test_filing_in_english_again_sets_english_back(maria, signed_in, medical):
    maria.party.language = "es"
    maria.party.save(update_fields=["language"])
    client = signed_in(maria)
    client.cookies["appealdesk_language"] = "en"
    client.post("/portal/file/", {**claim_appeal(), **details(), "eob": pdf()})
    maria.party.refresh_from_db()
    assert maria.party.language == ""
    assert Event.objects.filter(action="party.language_set").count() == 1
