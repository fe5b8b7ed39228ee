"""Stateless web servers (issue 19, item 3): every stored file goes through Django's default
storage, the local folder or a bucket (S3 API through django-storages; here moto's standalone
server on 127.0.0.1 stands in for S3). Each test runs on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.utils import timezone

from appealdesk.cases.documents import document_response, document_store, files_undone_on_error
from appealdesk.cases.models import Document
from appealdesk.correspondence import outbox
from appealdesk.correspondence.packet import packet_build
from appealdesk.correspondence.render import pdf_of
from appealdesk.correspondence.services import letter_generate, letter_send
from appealdesk.mailroom import storage as mailroom_storage
from tests.correspondence.conftest import pdf_text
from tests.correspondence.test_sending import recent_appeal
from tests.objectstore import bucket_keys

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def where(file_storage, request, name: str) -> bool:
    """The stored name is in the bucket (S3) or in the media folder (local), and only there."""
    on_disk = (Path(settings.MEDIA_ROOT) / name).is_file()
    if file_storage == "local":
        return on_disk
    return not on_disk and name in bucket_keys(request.node.bucket_env)


def test_a_document_is_stored_read_back_and_kept_once_per_case(file_storage, request, cases):
    case = recent_appeal(cases)
    upload = SimpleUploadedFile("eob.pdf", PDF, content_type="application/octet-stream")
    document = document_store(upload, kind="eob", case=case, actor=cases.people["alice"])
    assert where(file_storage, request, document.file.name)
    response = document_response(Document.objects.get(pk=document.pk))
    assert b"".join(response.streaming_content) == PDF
    again = SimpleUploadedFile("eob-again.pdf", PDF)
    assert document_store(again, kind="eob", case=case, actor=None).pk == document.pk


def test_undoing_an_upload_never_deletes_another_cases_file(file_storage, request, cases):
    first, second = recent_appeal(cases), recent_appeal(cases)
    kept = document_store(SimpleUploadedFile("a.pdf", PDF), kind="eob", case=first, actor=None)
    with pytest.raises(RuntimeError), files_undone_on_error():
        undone = document_store(
            SimpleUploadedFile("b.pdf", PDF), kind="eob", case=second, actor=None
        )
        assert undone.file.name != kept.file.name  # same bytes, its own object
        raise RuntimeError("the intake failed after storing")
    assert not default_storage.exists(undone.file.name)
    with default_storage.open(kept.file.name, "rb") as handle:
        assert handle.read() == PDF
    assert where(file_storage, request, kept.file.name)


def test_letters_and_the_outbox_are_in_the_storage(
    file_storage, request, cases, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "appealdesk.correspondence.outbox.OutboxBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case = recent_appeal(cases)
    letter = letter_generate(case, kind="acknowledgement", actor=cases.people["bob"])
    assert where(file_storage, request, letter.document.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        letter_send(letter, actor=cases.people["bob"])
    items, total = outbox.entries()
    assert total == 1
    _, content_type, data = outbox.attachment(items[0].name, 0)
    with letter.document.file.open("rb") as stored:
        assert data == stored.read() and content_type == "application/pdf"
    on_disk = list(Path(settings.OUTBOX_DIR).glob("*.eml"))
    if file_storage == "local":
        assert [p.name for p in on_disk] == [items[0].name]
    else:
        assert not on_disk
        assert f"outbox/{items[0].name}" in bucket_keys(request.node.bucket_env)
    assert outbox.read("../" + items[0].name) is None


def test_an_outbox_message_without_attachments_lists_and_reads(file_storage, settings):
    settings.EMAIL_BACKEND = "appealdesk.correspondence.outbox.OutboxBackend"
    EmailMessage("Subject line", "body text", "a@example.org", ["b@example.org"]).send()
    items, total = outbox.entries()
    assert total == 1 and items[0].subject == "Subject line" and items[0].size > 0
    assert outbox.read(items[0].name).text.strip() == "body text"


def test_mailroom_bytes_are_stored_by_their_digest(file_storage, request):
    raw = PDF + b"% a fax\n"
    name = mailroom_storage.store_bytes(raw, folder="2026/03", content_type="application/pdf")
    assert name == f"mailroom/2026/03/{mailroom_storage.digest(raw)}.pdf"
    assert where(file_storage, request, name)
    # the same bytes again (a retried import) are the same object
    again = mailroom_storage.store_bytes(raw, folder="2026/03", content_type="application/pdf")
    assert again == name


def test_the_case_file_packet_reads_every_document_from_the_storage(file_storage, cases):
    case = recent_appeal(cases)
    eob, _ = pdf_of("<html lang='en'><title>EOB</title><p>Explanation of Benefits</p>")
    document_store(SimpleUploadedFile("eob.pdf", eob), kind="eob", case=case, actor=None)
    letter_generate(case, kind="acknowledgement", actor=cases.people["bob"])
    packet = packet_build(case, actor=cases.people["bob"], now=timezone.now())
    assert [p.note for p in packet.parts] == ["", ""]  # the EOB and the letter, both read
    assert "Explanation of Benefits" in pdf_text(packet.pdf)
