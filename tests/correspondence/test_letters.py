"""Every kind of letter of each program renders for a realistic case and says what SPEC 5.3 and
the seeds require; its PDF is tagged, US Letter, in DejaVu, and stored with its SHA-256;
templates are versioned and every letter records its version; the database keeps both honest."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pypdf
import pytest
from django.db import DatabaseError, connection, transaction

from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput, InvalidTransition, StaleVersion
from appealdesk.cases.models import Case, Document, Event
from appealdesk.correspondence import catalog
from appealdesk.correspondence.context import refusal
from appealdesk.correspondence.models import Letter, LetterTemplate
from appealdesk.correspondence.render import letter_draft
from appealdesk.correspondence.services import letter_generate
from tests.correspondence.conftest import Cases, at, pdf_text, words

UMP_CONTACT = ["Uniform Medical Plan", "PO Box 2998", "Tacoma, WA 98401-2998", "1-888-849-3681"]
GENEX_CONTACT = ["Genex Services", "P.O. Box 4379", "Westlake Village, CA 91359", "800.844.4235"]


def _information(c: Cases) -> Case:
    case = c.ump_appeal()
    sv.case_request_information(
        case,
        actor=c.people["bob"],
        items=["eob", "providers"],
        note="The EOB is the statement the plan sent after the visit.",
        now=at("2026-03-03T09:00-08:00"),
    )
    return case


def _genex_information(c: Cases) -> Case:
    case = c.genex_grievance()
    sv.case_request_information(
        case,
        actor=c.people["bob"],
        items=["signature", "relief_sought"],
        now=at("2026-03-05T09:00-08:00"),
    )
    return case


# (program, kind, what the case is, the case, what the letter must say)
LETTERS = [
    # seed: "The plan will send confirmation upon receipt of your appeal." (72 hours, WAC)
    # seed: "...within 14 days of receiving the appeal but may take up to 30 days..."
    (
        "ump",
        "acknowledgement",
        "first-level appeal, items missing",
        lambda c: c.ump_appeal(),
        [
            "We received your first-level appeal",
            "March 2, 2026",
            "by March 16, 2026",  # 14-day target
            "no later than April 1, 2026",  # 30 calendar days
            "written permission",
            "The patient's full name",  # missing items listed
            "They are free",  # copies at no cost
            *UMP_CONTACT,
            "TRS: 711",
        ],
    ),
    (
        "ump",
        "information_request",
        "first-level appeal waiting for its EOB",
        _information,
        [
            "A copy of the Explanation of Benefits",
            "The name(s) of any providers involved",
            "The EOB is the statement",
            "April 1, 2026",
            "1-877-663-7526",  # Regence's fax
        ],
    ),
    # seed: "We will notify you if we need more time to respond."
    (
        "ump",
        "extension_notice",
        "complaint extended by notice",
        lambda c: c.ump_complaint_extended(),
        [
            "We need more time to respond to your complaint",
            "April 1, 2026",  # the 30 days it would have been
            "April 15, 2026",  # the new date
            "waiting for the clinic's scheduling records",
        ],
    ),
    # seed: "We will request written permission from you or your authorized representative when
    # we need an extension to the 30-day timeline, to get medical records or a second opinion."
    (
        "ump",
        "extension_consent_request",
        "first-level appeal near 30 days",
        lambda c: c.ump_appeal(),
        [
            "written permission",
            "to get medical records or a second opinion",
            "April 1, 2026",
            "Signature",
        ],
    ),
    # seed: "Second-level appeals must be submitted no more than 180 days after the date of the
    # letter responding to your first-level appeal."
    (
        "ump",
        "decision",
        "first-level appeal upheld (medical)",
        lambda c: c.ump_decided(),
        [
            "Our decision: upheld",
            "one routine eye exam a year",  # the rationale
            "second-level appeal",
            "Wednesday, September 9, 2026",  # letter of March 13 + 180 days
            "180 days after the date of the first-level decision letter",
            "Regence BlueShield",
            *UMP_CONTACT,
            "Independent Review Organization (IRO)",
            "without good cause",  # immediate IRO rights
            "bring a lawsuit",
        ],
    ),
    (
        "ump",
        "decision",
        "first-level appeal upheld (prescription drugs)",
        lambda c: c.ump_decided(service="prescription"),
        [
            "Washington State Rx Services",
            "PO Box 40168",
            "Portland, OR 97240-0168",
            "1-888-361-1611",
            "September 9, 2026",
        ],
    ),
    (
        "ump",
        "decision",
        "first-level appeal upheld (Centers of Excellence)",
        lambda c: c.ump_decided(service="coe"),
        ["Premera Blue Cross", "PO Box 91102", "1-855-784-4563", "September 9, 2026"],
    ),
    (
        "ump",
        "decision",
        "first-level appeal overturned",
        lambda c: c.ump_decided(outcome="overturned"),
        ["Our decision: overturned", "there is no decision to appeal again"],
    ),
    # seed: "You must request an independent review no more than 180 days after the date of the
    # letter responding to your second-level appeal (or expedited appeal)."
    (
        "ump",
        "decision",
        "second-level appeal upheld",
        lambda c: c.ump_level2_decided(),
        [
            "Our decision on your second-level appeal",
            "an independent review is Wednesday, October 28, 2026",  # May 1 + 180 days
            "The plan pays the IRO's charges",
            "Only you or your authorized representative",
            *UMP_CONTACT,
            "bring a lawsuit",
        ],
    ),
    (
        "ump",
        "decision",
        "expedited appeal partly overturned",
        lambda c: c.ump_expedited_decided(),
        [
            "Our decision: partially overturned",
            "Six of the ten requested infusions",
            "Sunday, August 30, 2026",  # March 3 + 180 days
            "urgent expedited independent review",
        ],
    ),
    (
        "ump",
        "decision",
        "complaint answered",
        lambda c: c.ump_complaint_decided(),
        ["Our response to your complaint", "we agree with part of your complaint", "Saturday"],
    ),
    # seed: "If you don't request an appeal within this time period, your appeal will not be
    # reviewed and you will not be able to continue further appeals"
    (
        "ump",
        "dismissal",
        "untimely first-level appeal",
        lambda c: c.ump_dismissed("untimely"),
        [
            "arrived after the last day to file",
            "November 28, 2025",  # notice of June 1, 2025 + 180 days
            "June 1, 2025",
            "It will not be reviewed, and no second-level appeal or independent review may "
            "follow it.",
            "billed late",
        ],
    ),
    # seed: "You cannot appeal to the plan a decision by your provider that you are not
    # medically appropriate for the Program."
    (
        "ump",
        "dismissal",
        "COE medical appropriateness (not appealable)",
        lambda c: c.ump_dismissed("not_appealable"),
        [
            "cannot be appealed to the plan",
            "not medically appropriate for the Program",
            "Premera Blue Cross",
        ],
    ),
    (
        "ump",
        "dismissal",
        "withdrawn appeal",
        lambda c: c.ump_dismissed("withdrawn"),
        ["You asked us to withdraw", "March 5, 2026", "called on March 5 to withdraw"],
    ),
    # seed: "Appeals related to eligibility and enrollment are handled by the Public Employees
    # Benefits Board (PEBB) Program and governed by Washington Administrative Code (WAC)
    # chapter 182-16."
    (
        "ump",
        "redirect",
        "eligibility appeal",
        lambda c: c.ump_redirected(),
        [
            "PEBB Program",
            "WAC) chapter 182-16",
            "1-800-200-1004",
            "UMP Customer Service",  # the plan's letterhead, not PEBB's
        ],
    ),
    # seed: "The plan ... will send the relevant information and correspondence to the
    # Independent Review Organization."
    (
        "ump",
        "iro_forwarding",
        "independent review after the second level",
        lambda c: c.ump_iro(),
        [
            "To the Independent Review Organization",
            "Pat Doe",
            "W1234567",
            "Second-level appeal",
            "upheld",
            "May 1, 2026",
            "The plan pays the IRO's charges",
            "Regence BlueShield",
        ],
    ),
    # seed: "The Grievance Committee shall acknowledge receipt of the grievance within 5
    # business days and shall investigate the grievance within 30 days of receipt."
    (
        "genex-ur",
        "acknowledgement",
        "written grievance",
        lambda c: c.genex_grievance(),
        [
            "Grievance Committee received your written grievance",
            "March 4, 2026",
            "by April 3, 2026",  # 30 days of receipt
            "within 30 calendar days",
            "The party's signature",  # missing items
            "appeals consideration",
            *GENEX_CONTACT,
        ],
    ),
    (
        "genex-ur",
        "information_request",
        "grievance without signature",
        _genex_information,
        ["The party's signature", "A description of the relief sought", "P.O. Box 4379"],
    ),
    # seed: "Upon conclusion of the investigation, the party shall be notified of the Grievance
    # Committee's final decision in writing within 30 calendar days."
    (
        "genex-ur",
        "decision",
        "grievance decided after the investigation",
        lambda c: c.genex_decided(),
        [
            "final decision",
            "we agree with your grievance",
            "March 25, 2026",  # the investigation ended
            "after the five business days",
            *GENEX_CONTACT,
        ],
    ),
    # seed: "...a formal grievance may be filed within one year of occurrence."
    (
        "genex-ur",
        "dismissal",
        "grievance more than a year late",
        lambda c: c.genex_dismissed(),
        [
            "more than one year after",
            "December 1, 2024",
            "December 1, 2025",
            "A formal grievance must be filed within one year of the occurrence.",
        ],
    ),
    # seed: "These clinical issues should be addressed by the appeals process and should not be
    # submitted to the grievance process."
    (
        "genex-ur",
        "redirect",
        "clinical determination sent as a grievance",
        lambda c: c.genex_redirected(),
        [
            "does not review clinical decisions",
            "appeals consideration",
            "requesting physician",
            "800.844.4235",
            "Grievance Committee",  # the letterhead of who received it
            "P.O. Box 4379",
        ],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("program", "kind", "what", "build", "says"),
    LETTERS,
    ids=[f"{p}-{k}-{w}" for p, k, w, _, _ in LETTERS],
)
def test_every_letter_says_what_it_must(cases, program, kind, what, build, says):
    case = build(cases)
    case = Case.objects.get(pk=case.pk)
    assert case.program == program
    letter = letter_generate(case, kind=kind, actor=cases.people["bob"])
    data = letter.document.file.read()
    text = words(pdf_text(data))
    missing = [s for s in says if words(s) not in text]
    assert not missing, f"{program} {kind} ({what}) lacks {missing}:\n{text}"
    assert case.number in text
    # stored as a case document, its name the digest of the content
    assert letter.document.case_id == case.pk
    assert letter.document.kind == "letter"
    assert letter.document.sha256 == hashlib.sha256(data).hexdigest()
    assert letter.document.file.name.endswith(f"{letter.document.sha256}.pdf")
    assert letter.document.size == len(data)
    # the exact template version, and the event
    assert letter.template == catalog.template_active(program, kind)
    event = Event.objects.get(case=case, action="letter.generated")
    assert event.after["sha256"] == letter.document.sha256
    assert event.after["template_version"] == letter.template.version


@pytest.mark.django_db
def test_the_pdf_is_tagged_letter_sized_dejavu_and_titled(cases):
    case = cases.ump_decided()
    letter = letter_generate(case, kind="decision", actor=cases.people["bob"])
    data = letter.document.file.read()
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    # PDF/UA: a structure tree, marked content, the language, the title shown
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == letter.subject == "Our decision on your first-level appeal"
    assert reader.metadata.author == "Uniform Medical Plan (Washington State PEBB)"
    assert letter.pages == len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    fonts = {
        font.get_object()["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in f for f in fonts)
    # the footer numbers pages and names the case
    assert "Page 2 of 2" in pdf_text(data)


@pytest.mark.django_db
def test_facts_are_kept_with_the_letter(cases):
    case = cases.ump_decided()
    letter = letter_generate(case, kind="decision", actor=cases.people["bob"])
    nxt = letter.facts["next_level"]
    assert (nxt["kind"], nxt["level"], nxt["last_day"]) == ("appeal", 2, "2026-09-09")
    assert nxt["handler"]["id"] == "regence"
    assert letter.facts["sender"] == "regence"
    assert letter.facts["template"] == {"id": letter.template_id, "version": 1}
    assert letter.addressee == "Pat Doe" and letter.party == case.member


@pytest.mark.django_db
def test_letters_go_to_the_representative_with_a_copy_to_the_member(cases, people):
    from appealdesk.cases.models import Party

    rep = Party.objects.create(role="authorized_rep", name="Sam Advocate", address="1 Main St")
    case = cases.ump_appeal()
    Case.objects.filter(pk=case.pk).update(representative=rep)
    case.refresh_from_db()
    text = words(
        pdf_text(letter_generate(case, kind="acknowledgement", actor=None).document.file.read())
    )
    assert text.startswith("Uniform Medical Plan") and "Dear Sam Advocate" in text
    assert "Copy to: Pat Doe" in text


# -- which letters apply ----------------------------------------------------------------------
@pytest.mark.django_db
def test_which_letters_apply_comes_from_the_case(cases):
    received = cases.ump_appeal()
    assert refusal(received, "acknowledgement") is None
    assert refusal(received, "decision") == "record the decision first"
    assert refusal(received, "dismissal") == "the case is not dismissed"
    assert refusal(received, "iro_forwarding") is not None
    assert "extend the clock first" in refusal(received, "extension_notice")
    with pytest.raises(InvalidTransition, match="record the decision first"):
        letter_generate(received, kind="decision", actor=None)
    with pytest.raises(InvalidInput, match="kind must be one of"):
        letter_generate(received, kind="love_letter", actor=None)
    decided = cases.ump_decided()
    assert refusal(decided, "decision") is None
    assert refusal(decided, "extension_consent_request") == "the case is decided"
    complaint = cases.ump_complaint_extended()
    assert "no clock of this case asks" in refusal(complaint, "acknowledgement")


@pytest.mark.django_db
def test_genex_has_no_extension_or_iro_letters(cases):
    assert set(catalog.template_versions("genex-ur")) == {
        "acknowledgement",
        "information_request",
        "decision",
        "dismissal",
        "redirect",
    }
    assert set(catalog.template_versions("ump")) == set(catalog.KIND_LABELS)
    grievance = cases.genex_grievance()
    assert "written consent" in refusal(grievance, "extension_consent_request")


@pytest.mark.django_db
def test_a_stale_case_is_refused(cases):
    case = cases.ump_decided()
    with pytest.raises(StaleVersion):
        letter_generate(case, kind="decision", actor=None, expected_version=case.version - 1)
    assert not Letter.objects.exists()


# -- templates: versions ----------------------------------------------------------------------
@pytest.mark.django_db
def test_editing_a_template_makes_version_2_and_letters_record_their_version(cases, people):
    case = cases.ump_decided()
    first = letter_generate(case, kind="decision", actor=people["bob"])
    assert first.template.version == 1 and first.template.created_by is None
    assert "shipped default" in first.template.note
    v1 = first.template
    saved = catalog.template_save(
        program="ump",
        kind="decision",
        subject=v1.subject,
        body=v1.body.replace("<h2>Why</h2>", "<h2>Why we decided this</h2>"),
        note="plainer heading",
        actor=people["erin"],
        based_on=1,
    )
    assert (saved.version, saved.created_by, saved.note) == (2, people["erin"], "plainer heading")
    second = letter_generate(case, kind="decision", actor=people["bob"])
    assert second.template == saved == catalog.template_active("ump", "decision")
    assert "Why we decided this" in pdf_text(second.document.file.read())
    first.refresh_from_db()
    assert first.template == v1  # the old letter keeps the version it was made from
    assert LetterTemplate.objects.filter(program="ump", kind="decision").count() == 2


@pytest.mark.django_db
def test_template_saves_are_checked(people):
    def save(**changes):
        base = {
            "program": "ump",
            "kind": "redirect",
            "subject": "About your request",
            "body": "<p>Dear {{ addressee.name }}</p>",
            "note": "shorter",
            "actor": people["erin"],
        }
        return catalog.template_save(**{**base, **changes})

    with pytest.raises(InvalidInput, match="say what changed"):
        save(note=" ")
    with pytest.raises(InvalidInput, match=r"body: .*endif"):
        save(body="<p>{% if case.number %}unclosed</p>")
    with pytest.raises(InvalidInput, match="subject is one line"):
        save(subject="two\nlines")
    assert save().version == 2
    with pytest.raises(InvalidInput, match="nothing changed"):
        save(note="again")
    with pytest.raises(InvalidInput, match=r"saved version 2 .* since you opened version 1"):
        save(body="<p>Hello</p>", based_on=1)
    with pytest.raises(InvalidInput, match="kind must be one of"):
        save(kind="postcard")


@pytest.mark.django_db
def test_a_template_cannot_reach_files_or_the_network(cases, people):
    catalog.template_save(
        program="ump",
        kind="acknowledgement",
        subject="We received it",
        body='<p>{% include "correspondence/letter.html" %}</p>',
        note="try to include a file",
        actor=people["erin"],
    )
    case = cases.ump_appeal()
    with pytest.raises(InvalidInput, match=r"correspondence/letter\.html"):
        letter_draft(case, "acknowledgement")
    catalog.template_save(
        program="ump",
        kind="acknowledgement",
        subject="We received it",
        body='<p><img src="http://127.0.0.1:9/x.png" alt="x"> <img src="file:///etc/passwd" '
        'alt="y"> {{ addressee.name }}</p>',
        note="try to fetch",
        actor=people["erin"],
    )
    letter = letter_generate(case, kind="acknowledgement", actor=None)  # images are skipped
    assert "Pat Doe" in pdf_text(letter.document.file.read())


# -- the database keeps letters honest --------------------------------------------------------
@pytest.mark.django_db
def test_templates_letters_and_stored_content_cannot_be_rewritten(cases):
    case = cases.ump_decided()
    letter = letter_generate(case, kind="decision", actor=None)
    statements = [
        ("UPDATE correspondence_lettertemplate SET body = 'x'", "versioned"),
        ("DELETE FROM correspondence_lettertemplate", "versioned"),
        ("UPDATE correspondence_letter SET subject = 'x'", "immutable"),
        (f"UPDATE correspondence_letter SET template_id = {letter.template_id + 1}", "immutable"),
        ("DELETE FROM correspondence_letter", "kept"),
        ("UPDATE cases_document SET sha256 = 'x'", "immutable"),
        ("UPDATE cases_document SET file = 'other.pdf'", "immutable"),
    ]
    for sql, why in statements:
        with (
            pytest.raises(DatabaseError, match=why),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    # the sending status may move on
    Letter.objects.filter(pk=letter.pk).update(
        status="mailed", mailed_at=at("2026-03-14T09:00-07:00")
    )
    assert Document.objects.get(pk=letter.document_id).sha256 == letter.document.sha256


@pytest.mark.django_db
def test_a_letter_is_dated_in_the_programs_zone(cases):
    case = cases.ump_decided()
    # 11 p.m. in Tacoma on March 13 is already March 14 in UTC
    late = dt.datetime(2026, 3, 14, 6, 0, tzinfo=dt.UTC)
    draft = letter_draft(case, "decision", now=late)
    assert "March 13, 2026" in draft.html.split("Case number")[0]
