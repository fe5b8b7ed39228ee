"""Filing on the portal in a browser (issue 9's scenarios): a member files a claim-payment
appeal (deadline and missing items shown, EOB uploaded, signed) and the case is in the desk's
team queue; a late appeal is told it cannot be reviewed; a provider files an expedited appeal
and sees the 72-hour promise. Each page is checked with axe-core and photographed on a phone
and a laptop."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from tests.e2e.helpers import assert_accessible, no_horizontal_scroll, screenshot
from tests.e2e.portal import LAPTOP, PHONE, mail_to

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PT = ZoneInfo("America/Los_Angeles")


def today() -> dt.date:
    return dt.datetime.now(PT).date()


def long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def start_ump_claim_appeal(page, desk, notice: dt.date) -> None:
    page.goto(desk.url("/portal/file/"))
    page.get_by_label("UMP — Washington Uniform Medical Plan").check()
    page.locator("#id_denied_0").check()  # yes, a payment or service was denied
    page.locator("#id_service_0").check()  # not a prescription
    page.locator("#id_harm_1").check()  # waiting would not harm my health
    page.get_by_label("A claim was not paid, or was paid too little").check()
    page.fill("#id_notice_date", notice.isoformat())
    page.locator("#id_notice_date").dispatch_event("change")


def test_a_member_files_a_claim_payment_appeal_and_staff_see_it(portal_as, page_as, desk, tmp_path):
    filed = []
    for name, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
        page = portal_as(desk.portal["member"], viewport=viewport)
        notice = today() - dt.timedelta(days=20)
        start_ump_claim_appeal(page, desk, notice)
        # the live answer: what it is, the last day to file (180 days after the notice), what
        # to include with what is still missing
        last_day = notice + dt.timedelta(days=180)
        page.get_by_text(f"You can file until {long_date(last_day)}").wait_for()
        assert_accessible(page, f"filing questions ({name})")
        page.get_by_role("button", name="Check my request").click()
        page.get_by_role("heading", name="Your details").wait_for()
        panel = page.inner_text("main")
        assert "first-level appeal" in panel
        assert "A copy of the Explanation of Benefits" in panel  # still missing: no EOB yet
        assert_accessible(page, f"filing details ({name})")
        width, inner = no_horizontal_scroll(page)
        assert width <= inner, f"sideways scrolling on the {name}: {width} > {inner}"
        screenshot(page, f"portal-file-details-{name}")

        eob = tmp_path / f"eob-{name}.pdf"
        eob.write_bytes(PDF + name.encode())
        page.fill("#id_providers", "Olympia Family Clinic")
        page.fill("#id_service_dates", (notice - dt.timedelta(days=30)).isoformat())
        page.fill("#id_statement", "The MRI was covered; please pay the claim.")
        page.set_input_files("#id_eob", str(eob))
        if name == "laptop":  # letters by e-mail: the acknowledgement comes at once
            page.locator("#id_email_letters").check()
        page.fill("#id_typed_name", desk.portal["member_name"])
        page.locator("#id_agree").check()
        page.get_by_role("button", name="Sign and send my request").click()
        page.wait_for_url("**/portal/cases/**")
        number = page.url.rstrip("/").rsplit("/", 1)[-1]
        filed.append(number)
        text = page.inner_text("main")
        assert re.search(f"We received your (level 1 )?appeal on {long_date(today())}", text), text
        assert re.search(r"We will decide by \w+ \d+, \d{4}", text), text
        assert_accessible(page, f"case status ({name})")
        screenshot(page, f"portal-case-filed-{name}")

    # acknowledged without calling anyone: the server's worker wrote the acknowledgement letter
    # and e-mailed it (she agreed to letters by e-mail); the status page says so and offers it
    body = mail_to(desk.mailbox, desk.portal["member"], filed[1])
    assert filed[1] in body
    page.reload()
    page.get_by_text(
        f"We confirmed that we received your request on {long_date(today())}"
    ).wait_for()
    page.get_by_role("link", name="We received your request").wait_for()  # the letter (PDF)
    screenshot(page, "portal-case-acknowledged-laptop")

    rows = desk.query(
        "SELECT c.channel, c.filed_by, d.kind, s.typed_name, s.sha256 FROM cases_case c "
        "JOIN cases_document d ON d.case_id = c.id JOIN portal_signature s ON s.case_id = c.id "
        "WHERE c.number = ?",
        filed[0],
    )
    assert rows and rows[0][:4] == ("portal", "member", "eob", desk.portal["member_name"])
    assert len(rows[0][4]) == 64

    # intake on the UMP medical team finds it in the team queue, at once
    staff = page_as("alice")
    staff.goto(desk.url("/desk/?tab=team"))
    staff.get_by_role("link", name=filed[0]).wait_for()


def test_a_late_appeal_is_told_it_cannot_be_reviewed(portal_as, desk):
    page = portal_as(desk.portal["member"], viewport=PHONE)
    notice = today() - dt.timedelta(days=200)
    start_ump_claim_appeal(page, desk, notice)
    page.get_by_role("button", name="Check my request").click()
    page.get_by_text("This appeal cannot be reviewed").first.wait_for()
    assert "180 days" in page.inner_text("main")
    assert page.get_by_role("button", name="Sign and send my request").count() == 0
    assert_accessible(page, "late appeal")
    screenshot(page, "portal-file-late-phone")


def test_a_provider_files_an_expedited_appeal_and_sees_the_72_hour_promise(
    portal_as, desk, tmp_path
):
    for name, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
        page = portal_as(desk.portal["provider"], viewport=viewport)
        page.goto(desk.url("/portal/provider/expedited/"))
        assert_accessible(page, f"provider expedited form ({name})")
        page.fill("#id_member_name", desk.portal["member_name"])
        page.fill("#id_subscriber_id", desk.portal["member_subscriber_id"])
        page.locator("#id_service").select_option("medical") if page.locator(
            "select#id_service"
        ).count() else page.locator("#id_service_0").check()
        page.fill("#id_denied", "Inpatient rehabilitation after a stroke")
        page.fill("#id_notice_date", (today() - dt.timedelta(days=1)).isoformat())
        page.locator("#id_criteria_0").check()
        page.fill("#id_explanation", "A delay would cost the window for functional recovery.")
        page.get_by_role("button", name="Check what happens next").click()
        page.get_by_text("We will decide within 72 hours of your request").first.wait_for()
        screenshot(page, f"portal-provider-expedited-check-{name}")
        records = tmp_path / f"records-{name}.pdf"
        records.write_bytes(PDF + b"records " + name.encode())
        page.set_input_files("#id_records", str(records))
        page.fill("#id_typed_name", "Lee Ng, MD")
        page.locator("#id_agree").check()
        page.get_by_role("button", name="Sign and send the expedited appeal").click()
        page.wait_for_url("**/portal/cases/**")
        text = page.inner_text("body")
        assert "72 hours" in text
        assert_accessible(page, f"provider case status ({name})")
        screenshot(page, f"portal-provider-case-{name}")
        number = page.url.rstrip("/").rsplit("/", 1)[-1]
        (expedited, filed_by, hours) = desk.query(
            "SELECT c.expedited, c.filed_by, k.length FROM cases_case c JOIN cases_clock k "
            "ON k.case_id = c.id AND k.clock_id = 'decision' WHERE c.number = ?",
            number,
        )[0]
        assert (expedited, filed_by, hours) == (1, "provider", 72)


def test_filing_in_spanish(portal_as, desk):
    """The same questions and answer in Spanish, the pack's list of what to include too."""
    page = portal_as(desk.portal["member"], viewport=PHONE, locale="es-US")
    page.goto(desk.url("/portal/file/"))
    assert page.locator("html").get_attribute("lang") == "es"
    page.check("input[name=program][value=ump]")
    page.locator("#id_denied_0").check()
    page.locator("#id_service_0").check()
    page.locator("#id_harm_1").check()
    page.check("input[name=category][value=claim_payment]")
    notice = today() - dt.timedelta(days=20)
    page.fill("#id_notice_date", notice.isoformat())
    page.locator("#id_notice_date").dispatch_event("change")
    last_day = notice + dt.timedelta(days=180)
    months = (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    )
    spanish = f"{last_day.day} de {months.split()[last_day.month - 1]} de {last_day.year}"
    page.get_by_text(spanish).first.wait_for()
    assert "Explicación de Beneficios" in page.inner_text("main")
    assert_accessible(page, "filing in Spanish")
    screenshot(page, "portal-file-es-phone")


def test_a_genex_grievance_with_the_forms_eight_fields(portal_as, desk):
    """The Genex grievance form's fields exactly (name, address, telephone, summary, history of
    previous contact, relief sought, signature, date signed), on a laptop."""
    page = portal_as(desk.portal["member"], viewport=LAPTOP)
    page.goto(desk.url("/portal/file/"))
    page.check("input[name=program][value=genex-ur]")
    page.check("input[name=category][value=ur_timeliness]")
    page.fill("#id_occurrence_date", (today() - dt.timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Check my request").click()
    page.get_by_role("heading", name="Your details").wait_for()
    for field in ("party_name", "party_address", "party_phone", "summary", "contact_history"):
        assert page.locator(f"#id_{field}").count() == 1, field
    page.fill("#id_party_address", "1 Capitol Way, Olympia, WA 98501")
    page.fill("#id_party_phone", "360-555-0100")
    page.fill("#id_summary", "The UR decision on my therapy came three weeks late.")
    page.fill("#id_contact_history", "Called Genex on October 3; no call back.")
    page.fill("#id_relief_sought", "An explanation, and decisions on time from now on.")
    page.fill("#id_typed_name", desk.portal["member_name"])
    page.locator("#id_agree").check()
    assert_accessible(page, "Genex grievance form")
    screenshot(page, "portal-file-genex-laptop")
    page.get_by_role("button", name="Sign and send my request").click()
    page.wait_for_url("**/portal/cases/GENEX-UR-**")
    text = page.inner_text("main")
    assert "grievance" in text.lower()
    assert re.search(r"We will confirm in writing that we received it by \w+ \d+, \d{4}", text)
    screenshot(page, "portal-case-genex-laptop")
