"""Mail on the embedded default (issue 18, item 10): without a mail server, e-mail is kept in
the outbox folder, whole, and supervisors read it on the desk; nothing is sent, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.mail import EmailMessage, send_mail

from appealdesk.access.models import AccessLog
from appealdesk.correspondence import outbox

pytestmark = pytest.mark.django_db
BACKEND = "appealdesk.correspondence.outbox.OutboxBackend"


@pytest.fixture
def kept(settings, tmp_path):
    settings.EMAIL_BACKEND = BACKEND
    settings.OUTBOX_DIR = tmp_path / "outbox"
    return tmp_path / "outbox"


def test_each_message_is_one_whole_eml_file(kept):
    message = EmailMessage(
        "UMP-2026-000123: your appeal was received",
        "Dear Ms. García,\nwe received your appeal.",
        "appeals@example.org",
        ["maria@example.org"],
    )
    message.attach("acknowledgement.pdf", b"%PDF-1.7 fake", "application/pdf")
    assert message.send() == 1
    assert send_mail("second", "body", "a@example.org", ["b@example.org"]) == 1
    files = sorted(kept.glob("*.eml"))
    assert len(files) == 2 and not list(kept.glob(".*.part"))
    items, total = outbox.entries()
    assert total == 2 and items[0].subject == "second"  # newest first
    letter = outbox.read(items[1].name)
    assert letter.entry.to == "maria@example.org"
    assert "Ms. García" in letter.text
    assert letter.attachments == [("acknowledgement.pdf", "application/pdf", 13)]
    assert outbox.attachment(items[1].name, 0)[2] == b"%PDF-1.7 fake"


def test_names_that_are_not_outbox_files_are_refused(kept):
    send_mail("s", "b", "a@example.org", ["b@example.org"])
    for name in ("../secret_key", "x.eml", "", "20260101T000000000000Z-" + "0" * 32 + ".txt"):
        assert outbox.read(name) is None
        assert outbox.attachment(name, 0) is None
    name = outbox.entries()[0][0].name
    assert outbox.attachment(name, 0) is None  # no attachments
    assert outbox.attachment(name, -1) is None


def test_supervisors_read_the_outbox_on_the_desk_and_each_look_is_logged(client, staff, kept):
    message = EmailMessage("Letter <b>x</b>", "<script>alert(1)</script>", to=["m@example.org"])
    message.attach("letter.pdf", b"%PDF", "application/pdf")
    message.send()
    client.force_login(staff["sam"])
    page = client.get("/desk/outbox/").content.decode()
    assert "not sent" in page and "Letter &lt;b&gt;x&lt;/b&gt;" in page
    assert ">Outbox</a>" in page  # in the menu while the outbox is in use
    name = outbox.entries()[0][0].name
    page = client.get(f"/desk/outbox/{name}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    download = client.get(f"/desk/outbox/{name}/attachments/0/")
    assert download["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert download.content == b"%PDF"
    assert client.get("/desk/outbox/not-a-message.eml/").status_code == 404
    whats = list(AccessLog.objects.filter(username="sam").values_list("what", "allowed"))
    assert ("outbox list", True) in whats and ("outbox message", True) in whats
    assert ("outbox attachment", True) in whats and ("outbox message", False) in whats


def test_other_roles_do_not_read_the_outbox(client, staff, kept):
    send_mail("s", "b", "a@example.org", ["b@example.org"])
    name = outbox.entries()[0][0].name
    for who in ("alice", "bob", "carol"):
        client.force_login(staff[who])
        assert client.get("/desk/outbox/").status_code == 403
        assert client.get(f"/desk/outbox/{name}/").status_code == 403
        assert ">Outbox</a>" not in client.get("/desk/").content.decode()


def _backend(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("APPEALDESK_SMTP")}
    clean.pop("APPEALDESK_EMAIL", None)
    code = "from appealdesk import settings; print(settings.EMAIL_BACKEND)"
    run = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    return run.stdout.strip() or run.stderr.strip().splitlines()[-1]


def test_the_outbox_is_the_default_until_a_mail_server_is_configured():
    assert _backend() == BACKEND
    assert _backend(APPEALDESK_SMTP_HOST="mail.example.org").endswith("smtp.EmailBackend")
    assert _backend(APPEALDESK_SMTP_PORT="2525").endswith("smtp.EmailBackend")
    assert _backend(APPEALDESK_SMTP_HOST="m", APPEALDESK_EMAIL="outbox") == BACKEND
    assert "APPEALDESK_EMAIL must be smtp or outbox" in _backend(APPEALDESK_EMAIL="pigeon")
