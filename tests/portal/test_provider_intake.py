"""A provider named at desk intake (issue 18, item 7): the NPI checked by its check digit, the
case linked to the provider's portal account when one has that NPI, so the request shows on the
provider's portal; without an account, one provider party per NPI."""

from __future__ import annotations

import pytest
from django.test import Client

from appealdesk.cases.models import Case, Party
from tests.desk.test_intake import form

pytestmark = pytest.mark.django_db


def take_in(staff, **fields):
    client = Client()
    client.force_login(staff["alice"])
    return client.post("/desk/intake/?program=ump", form(confirm="1", **fields))


def test_a_bad_npi_is_refused_in_words(staff):
    refused = take_in(staff, provider_name="Dr. Lee Ng", provider_npi="1234567890")
    assert refused.status_code == 422
    assert "its last is a check digit: this one is not valid" in refused.content.decode()
    assert not Case.objects.exists()


def test_details_without_a_name_are_refused(staff):
    refused = take_in(staff, provider_fax="360-555-0199")
    assert refused.status_code == 422
    assert "name the provider whose NPI, phone or fax is given" in refused.content.decode()


def test_the_npi_of_a_portal_account_shows_the_request_on_the_providers_portal(
    staff, dr_ng, signed_in
):
    before = signed_in(dr_ng).get("/portal/").content.decode()
    assert "You have no requests yet." in before
    taken = take_in(
        staff,
        filed_by="provider",
        provider_name="Lee Ng MD",
        provider_npi="1234 567 893",  # spaces as read out on the phone
        provider_phone="360-555-0142",
        provider_fax="360-555-0199",
    )
    assert taken.status_code == 302
    case = Case.objects.get()
    assert case.provider_id == dr_ng.party_id
    party = Party.objects.get(pk=dr_ng.party_id)
    assert (party.name, party.npi, party.phone, party.fax) == (
        "Dr. Lee Ng",  # the account's own details are kept; the blanks filled in
        "1234567893",
        "360-555-0142",
        "360-555-0199",
    )
    assert case.number in signed_in(dr_ng).get("/portal/").content.decode()
    desk = Client()
    desk.force_login(staff["bob"])
    page = desk.get(f"/desk/cases/{case.number}/").content.decode()
    assert "NPI 1234567893" in page and "fax 360-555-0199" in page
    assert "sees this case on the provider portal" in page


def test_without_an_account_one_provider_party_per_npi(staff):
    take_in(staff, provider_name="Olympia Clinic", provider_npi="1245319599")
    take_in(staff, provider_name="Olympia Clinic", provider_npi="1245319599", subscriber_id="W1")
    providers = Party.objects.filter(role="provider")
    assert providers.count() == 1 and providers.get().npi == "1245319599"
    assert Case.objects.filter(provider=providers.get()).count() == 2
    # without an NPI a name does not tell two providers apart: a new party each time
    take_in(staff, provider_name="Olympia Clinic", subscriber_id="W2")
    assert Party.objects.filter(role="provider").count() == 2


def test_a_provider_on_the_case_costs_the_case_page_no_query(staff, dr_ng):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    take_in(staff, subscriber_id="W1")
    take_in(staff, provider_name="Lee Ng MD", provider_npi="1234567893", subscriber_id="W2")
    plain, linked = Case.objects.order_by("pk")
    desk = Client()
    desk.force_login(staff["bob"])
    counts = []
    for case in (plain, linked):
        desk.get(f"/desk/cases/{case.number}/")
        with CaptureQueriesContext(connection) as seen:
            page = desk.get(f"/desk/cases/{case.number}/").content.decode()
        counts.append(len(seen))
    assert "sees this case on the provider portal" in page
    assert counts[0] == counts[1]
