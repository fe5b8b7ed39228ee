"""Reading items: real OCR on generated pages, e-mail text, and bad input that becomes a clear
problem (never a crash, never a silent drop)."""

from __future__ import annotations

import datetime as dt
import io
import struct
from email.message import EmailMessage

import pytest

from appealdesk.mailroom import emails, reading
from appealdesk.mailroom import services as ms
from appealdesk.mailroom.models import Item, ItemEvent
from appealdesk.mailroom.reader import item_read
from tests.mailroom.conftest import NOW
from tests.mailroom.pages import blank_pdf, pdf_of, tiff_of

RECEIVED = dt.datetime(2026, 3, 2, 17, 5, tzinfo=dt.UTC)
LIMITS = reading.Limits(
    max_pages=50, max_pixels=60_000_000, max_frames=50, ocr_seconds=120, languages="eng+spa"
)


def store(raw: bytes, *, source="fax", addressed_to="+1 877 663 7526", name="fax.pdf", **kw):
    return ms.item_store(
        source=source,
        raw=raw,
        received_at=RECEIVED,
        received_basis="test",
        source_id=kw.pop("source_id", ""),
        sender=kw.pop("sender", "+15035550100"),
        addressed_to=addressed_to,
        name=name,
        now=NOW,
        **kw,
    ).item


def read(item: Item) -> Item:
    item_read(item.pk, now=NOW)
    return Item.objects.get(pk=item.pk)


# -- OCR --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_faxed_page_is_ocrd_and_its_case_number_member_and_program_found(ocr, receive, member):
    case = receive()
    raw = pdf_of(
        [
            ["To: Appeals", f"Re: case {case.number}", "Member ID: W1234567"],
            ["Please expedite this appeal.", "Date of birth: 04/05/1961"],
        ]
    )
    item = read(store(raw))
    assert item.state == "proposed" and item.problem == ""
    assert item.pages == 2
    assert case.number in item.text and "W1234567" in item.text
    assert item.searchable_pdf and item.searchable_pdf.open("rb").read(5) == b"%PDF-"
    matched = item.proposal["matched"]
    assert matched["case_numbers"] == [case.number]
    assert matched["member_id"] == member.pk and matched["subscriber_ids"] == ["W1234567"]
    assert matched["dates_of_birth"] == ["1961-04-05"]
    # the number it was sent to is Regence's fax in the UMP pack
    assert (item.program, item.handler) == ("ump", "regence")
    assert item.urgent and "expedite" in matched["urgent_words"]
    assert [e.action for e in ItemEvent.objects.filter(item=item)] == [
        "item.stored",
        "item.read",
        "item.proposed",
    ]


@pytest.mark.django_db
def test_a_tiff_scan_in_spanish_is_ocrd_and_assessed(ocr):
    raw = tiff_of([["Apelación: mi reclamo fue negado", "claim was denied", "PO Box 2998"]])
    item = read(store(raw, source="scan", addressed_to="", name="scan.tif"))
    assert item.problem == "" and item.pages == 1
    assert "claim was denied" in item.text
    assert (item.program, item.handler) == ("ump", "regence")  # Regence's PO box
    assessment = item.proposal["assessment"]
    assert assessment["kind"] == "appeal" and assessment["category"] == "claim_payment"
    assert item.first_due_at is not None and item.first_due_label


def test_ocr_over_its_time_limit_is_a_problem_not_a_crash(ocr):
    slow = reading.Limits(50, 60_000_000, 50, ocr_seconds=0.01, languages="eng")
    result = reading.read_document(pdf_of([["hello world"]]), "application/pdf", "a.pdf", slow)
    assert result.problem and result.problem.code == "ocr_failed"
    assert "longer than" in result.problem.message


# -- bad documents ----------------------------------------------------------------------------
def test_a_pdf_that_is_not_a_pdf():
    result = reading.read_document(b"%PDF-1.7\n garbage", "application/pdf", "x.pdf", LIMITS)
    assert result.problem and result.problem.code == "broken_pdf"
    assert "cannot be read" in result.problem.message


def test_an_encrypted_pdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    result = reading.read_document(out.getvalue(), "application/pdf", "locked.pdf", LIMITS)
    assert result.problem and result.problem.code == "encrypted_pdf"
    assert "without a password" in result.problem.message


def test_a_500_page_fax_is_not_ocrd():
    result = reading.read_document(blank_pdf(500), "application/pdf", "big.pdf", LIMITS)
    assert result.pages == 500
    assert result.problem and result.problem.code == "too_many_pages"
    assert "500 pages" in result.problem.message and "MAILROOM_MAX_PAGES" in result.problem.message


def _tiff_header(width: int, height: int) -> bytes:
    """A tiny TIFF that declares an enormous 1-bit image (a decompression bomb)."""
    entries = [
        (256, 4, 1, width),  # ImageWidth
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 1),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 0),  # Photometric
        (273, 4, 1, 8),  # StripOffsets
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, 16),  # StripByteCounts
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHII", tag, kind, count, value)
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 24) + b"\x00" * 16 + ifd


def test_a_tiff_bomb_is_refused_before_its_pixels_are_decoded():
    result = reading.read_document(_tiff_header(200_000, 200_000), "image/tiff", "b.tif", LIMITS)
    assert result.problem and result.problem.code == "image_too_large"


def test_a_tiff_with_too_many_frames():
    limits = reading.Limits(2, 60_000_000, 2, 60, "eng")
    result = reading.read_document(tiff_of([["a"], ["b"], ["c"]]), "image/tiff", "t.tif", limits)
    assert result.problem and result.problem.code == "too_many_pages"


@pytest.mark.django_db
def test_a_fax_that_is_not_a_pdf_is_kept_with_its_problem():
    item = read(store(b"GIF-not really, just words", name="fax.bin"))
    assert item.state == "proposed" and item.problem_code == "not_a_document"
    assert "not a PDF or an image" in item.problem
    assert item.raw.open("rb").read() == b"GIF-not really, just words"


# -- e-mail -----------------------------------------------------------------------------------
def _mail(**headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Ana Ruiz <ana@example.org>")
    message["To"] = headers.pop("To", "appeals@plan.example")
    message["Subject"] = headers.pop("Subject", "My appeal")
    message["Date"] = "Mon, 02 Mar 2026 09:05:00 -0800"
    message["Message-ID"] = headers.pop("Message_ID", "<m1@example.org>")
    return message


def test_html_is_converted_to_text_and_scripts_dropped():
    message = _mail()
    message.set_content("")
    message.add_alternative(
        "<html><head><style>p{}</style><script>alert('x')</script></head><body>"
        "<p>I appeal the denial.</p><blockquote>On Monday you wrote: denied</blockquote>"
        "<img src=http://tracker.example/pixel.gif></body></html>",
        subtype="html",
    )
    message.clear_content()
    message.set_content(
        "<p>I appeal the denial.</p><script>alert('x')</script>"
        "<blockquote>earlier: denied</blockquote>",
        subtype="html",
    )
    parsed = emails.parse_email(message.as_bytes(), max_attachments=20)
    assert parsed.text == "I appeal the denial."
    assert "alert" not in parsed.text and "earlier: denied" in parsed.quoted
    assert any("scripts" in n for n in parsed.notes)


def test_quoted_reply_is_separated():
    message = _mail()
    message.set_content(
        "Here are the records you asked for.\n\nOn Mon, Mar 2, 2026, Appeals wrote:\n> Please "
        "send records\n"
    )
    parsed = emails.parse_email(message.as_bytes(), max_attachments=20)
    assert parsed.text == "Here are the records you asked for."
    assert "Please send records" in parsed.quoted


def test_mixed_charsets_each_part_by_its_own():
    raw = (
        b"From: a@example.org\r\nTo: appeals@plan.example\r\nSubject: =?iso-8859-1?q?Apelaci=F3n?="
        b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nApelaci\xf3n de Jos\xe9\r\n--XX\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nNi\xc3\xb1o \xe2\x82\xac\r\n--XX\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\nplain words\r\n--XX--\r\n"
    )
    parsed = emails.parse_email(raw, max_attachments=20)
    assert parsed.subject == "Apelación"
    assert "Apelación de José" in parsed.text and "Niño €" in parsed.text
    assert "plain words" in parsed.text
    assert any("unknown charset" in n for n in parsed.notes)


@pytest.mark.django_db
def test_an_email_with_40_attachments_keeps_them_all_in_the_raw_and_says_so(settings):
    settings.MAILROOM_MAX_ATTACHMENTS = 20
    message = _mail()
    message.set_content("forty files")
    for n in range(40):
        message.add_attachment(
            f"file {n}".encode(),
            maintype="application",
            subtype="octet-stream",
            filename=f"f{n}.bin",
        )
    item = read(
        store(
            message.as_bytes(),
            source="email",
            declared_type="message/rfc822",
            name="m.eml",
            addressed_to="appeals@plan.example",
        )
    )
    assert item.parts.count() == 20
    assert item.problem_code == "too_many_attachments" and "40 attachments" in item.problem
    assert all(p.problem_code == "not_a_document" for p in item.parts.all())


@pytest.mark.django_db
def test_an_email_with_nothing_in_it_is_a_problem():
    message = _mail()
    message.set_content("")
    item = read(
        store(
            message.as_bytes(),
            source="email",
            declared_type="message/rfc822",
            addressed_to="appeals@plan.example",
        )
    )
    assert item.problem_code == "empty_message" and "no text and no attachments" in item.problem


@pytest.mark.django_db
def test_a_reply_threads_back_to_its_case_by_the_subject(receive):
    case = receive()
    message = _mail(Subject=f"Re: [{case.number}] Information needed")
    message.set_content("Attached are my records.\n\n> We need your records")
    item = read(
        store(
            message.as_bytes(),
            source="email",
            declared_type="message/rfc822",
            addressed_to="appeals@plan.example",
        )
    )
    assert item.proposal["matched"]["reply_to_case"] == case.number
    assert item.proposal_summary.startswith(f"reply on {case.number}")
    assert item.text == "Attached are my records."


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.django_db
def test_bad_mail_through_a_real_mailbox_each_becomes_an_item_with_its_problem(dovecot):
    """Every bad input of the issue arriving by IMAP: stored, moved, read, each with a problem a
    clerk can act on (or its text, for what can be read) — none dropped, none crashing."""
    from appealdesk.mailroom.imap import mailbox_poll
    from appealdesk.mailroom.reader import items_read_pending
    from tests.mailroom.test_imap import append, count, mailbox

    def attached(subject: str, payload: bytes, name: str, subtype: str) -> bytes:
        message = _mail(Subject=subject, Message_ID=f"<{subject.replace(' ', '-')}@x>")
        message.set_content(f"{subject}: attached")
        message.add_attachment(payload, maintype="application", subtype=subtype, filename=name)
        return message.as_bytes()

    html = _mail(Subject="html", Message_ID="<html@x>")
    html.set_content("<p>I appeal.</p><script>alert(1)</script>", subtype="html")
    forty = _mail(Subject="forty", Message_ID="<forty@x>")
    forty.set_content("forty files")
    for n in range(40):
        forty.add_attachment(
            b"%PDF-1.4 no", maintype="application", subtype="pdf", filename=f"{n}.pdf"
        )
    empty = _mail(Subject="empty", Message_ID="<empty@x>")
    empty.set_content("")
    charsets = (
        b"From: a@example.org\r\nTo: appeals@plan.example\r\nMessage-ID: <cs@x>\r\n"
        b"Subject: =?iso-8859-1?q?Apelaci=F3n?=\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nApelaci\xf3n de Jos\xe9\r\n--XX\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\nplain words\r\n--XX--\r\n"
    )
    expected = {
        "not a pdf": "broken_pdf",
        "encrypted": "encrypted_pdf",
        "five hundred pages": "too_many_pages",
        "tiff bomb": "image_too_large",
        "forty": "too_many_attachments",
        "empty": "empty_message",
        "Apelación": "charset",
        "html": "html_dropped",
    }
    append(
        dovecot,
        [
            attached("not a pdf", b"%PDF-1.7\n garbage", "x.pdf", "pdf"),
            attached("encrypted", _encrypted_pdf(), "locked.pdf", "pdf"),
            attached("five hundred pages", blank_pdf(500), "big.pdf", "pdf"),
            attached("tiff bomb", _tiff_header(200_000, 200_000), "b.tif", "octet-stream"),
            forty.as_bytes(),
            empty.as_bytes(),
            charsets,
            html.as_bytes(),
        ],
    )
    result = mailbox_poll(mailbox(dovecot))
    assert (result.stored, result.moved) == (len(expected), len(expected))
    assert count(dovecot, "INBOX") == 0
    assert items_read_pending(limit=20) == len(expected)
    items = {i.subject: i for i in Item.objects.all()}
    assert {s: i.problem_code for s, i in items.items()} == expected
    assert all(i.state == "proposed" for i in items.values())
    assert all(i.problem for s, i in items.items() if expected[s])  # said in words
    assert items["html"].text == "I appeal." and "alert" not in items["html"].text
    assert "Apelación de José" in items["Apelación"].text
    assert items["five hundred pages"].pages == 500
    assert items["forty"].parts.count() == 20 and items["forty"].sender == "ana@example.org"
