"""Letters in the member's language (issue 18, item 9): a Spanish-speaking member's letters are
made from the Spanish templates (`letters/<program>/<kind>.es.html`), with the page around them,
the dates and the pack's words in Spanish too, and the PDF's language `es`; a kind with no
Spanish text falls back to English; each language of a kind has its own versions; the e-mail
that carries a Spanish letter is in Spanish.

The PDFs are read with poppler's `pdftotext` and drawn with `pdftoppm` into
var/screenshots/letters/ (`…-es-1.png`) to be looked at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from email.header import decode_header, make_header

import pypdf
import pytest
from django.template import base as template_base
from django.utils import translation
from django.utils.translation import gettext

from appealdesk.cases.models import Case
from appealdesk.correspondence import catalog
from appealdesk.correspondence.models import LetterTemplate
from appealdesk.correspondence.render import letter_draft
from appealdesk.correspondence.services import letter_generate, letter_send
from appealdesk.policy.loader import default_registry
from tests.correspondence.conftest import Cases, words
from tests.correspondence.test_letters import LETTERS
from tests.correspondence.test_screenshots import EDGE, ink_box, render, slug

MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
# the IRO cover letter is addressed to the review organization, never to a member: English only
SPANISH = [row for row in LETTERS if row[1] != "iro_forwarding"]
# proper names and pack data that read the same in both languages
SAME_IN_BOTH = {"Genex Services", "Washington State Rx Services"}


def pdftotext(data: bytes) -> str:
    found = shutil.which("pdftotext")
    if found is None:
        pytest.skip("pdftotext (Debian poppler-utils) is missing")
    done = subprocess.run(
        [found, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True, timeout=60
    )
    return words(done.stdout.decode())


def english_sentences(program: str, kind: str) -> list[str]:
    """The English template's own sentences, as runs of four or more words between its tags,
    variables and markup: none of them may be left in the Spanish letter."""
    text = (catalog.SHIPPED_DIR / program / f"{kind}.html").read_text(encoding="utf-8")
    text = re.sub(template_base.tag_re, "\n", text)
    text = re.sub(r"<[^>]+>", "\n", text)
    runs = (words(run) for chunk in re.split(r"[\n.:;!?]", text) for run in [chunk])
    return [r for r in runs if len(r.split()) >= 4 and r not in SAME_IN_BOTH]


def speaking_spanish(cases: Cases) -> None:
    for party in (cases.member, cases.worker):
        party.language = "es"
        party.save(update_fields=["language"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("program", "kind", "what", "build", "says"),
    SPANISH,
    ids=[f"{p}-{k}-{w}" for p, k, w, _, _ in SPANISH],
)
def test_a_spanish_speaking_members_letter_is_spanish(cases, program, kind, what, build, says):
    speaking_spanish(cases)
    case = Case.objects.get(pk=build(cases).pk)
    letter = letter_generate(case, kind=kind, actor=cases.people["bob"])
    assert letter.language == "es" == letter.template.language
    assert letter.template.note.endswith(f"{kind}.es.html)")
    data = letter.document.file.read()
    text = pdftotext(data)
    # the page around the text: headings, reference block, signature, footer
    for spanish in ("Número de caso:", "Atentamente,", "¿Preguntas?", "Página 1 de"):
        assert spanish in text, f"{spanish!r} missing:\n{text}"
    assert "Estimado/a" in text
    assert any(f" de {m} de 2026" in text for m in MONTHS_ES), text
    left = [s for s in english_sentences(program, kind) if s in text]
    assert not left, f"English left in the Spanish {program} {kind} letter: {left}\n{text}"
    for english in ("Sincerely", "Case number", "Questions?", "Dear ", " of 2026", "Page 1 of"):
        assert english not in text, f"{english!r} in:\n{text}"
    # what the letter must state that is not words: the case number and the contact data
    assert case.number in text
    for fact in says:
        if re.fullmatch(r"[\d.\- ()A-Z,]+|P\.?O\.? Box \d+", fact):
            assert words(fact) in text, fact
    # tagged in Spanish (PDF/UA /Lang), and the event says so
    root = pypdf.PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert root["/Lang"] == "es"
    assert case.events.get(action="letter.generated").after["language"] == "es"
    # looked at as pictures, and nothing reaches the edge of the paper
    pages = render(data, f"{program}-{kind}-{slug(what)}-es")
    assert len(pages) == letter.pages
    for page in pages:
        left_, top, right, bottom = ink_box(page) or (EDGE, EDGE, EDGE, EDGE)
        assert left_ >= EDGE and top >= EDGE and right <= 612 - EDGE, page
        assert bottom <= 792 - EDGE / 2, page


@pytest.mark.django_db
def test_an_english_speaking_members_letter_stays_english(cases):
    case = cases.ump_decided()
    letter = letter_generate(case, kind="decision", actor=cases.people["bob"])
    assert (letter.language, letter.template.language) == ("", "")
    text = pdftotext(letter.document.file.read())
    assert "Sincerely," in text and "March 13, 2026" in text and "Atentamente" not in text


@pytest.mark.django_db
def test_a_kind_without_spanish_text_falls_back_to_english(cases, tmp_path, monkeypatch):
    """An administrator's kind written only in English: the Spanish-speaking member gets it in
    English (a letter in a language she may read with help beats no letter), recorded so."""
    speaking_spanish(cases)
    case = cases.ump_decided()
    only_english = tmp_path / "ump"
    only_english.mkdir()
    shutil.copy(catalog.SHIPPED_DIR / "ump" / "decision.html", only_english)
    monkeypatch.setattr(catalog, "SHIPPED_DIR", tmp_path)
    assert catalog.template_active("ump", "decision", "es") is None
    draft = letter_draft(case, "decision")
    assert (draft.language, draft.template.language) == ("", "")
    assert draft.subject == "Our decision on your first-level appeal"
    assert '<html lang="en">' in draft.html and "Sincerely," in draft.html


@pytest.mark.django_db
def test_versions_are_per_language(cases, people):
    speaking_spanish(cases)
    case = cases.ump_decided()
    english = catalog.template_active("ump", "decision")
    spanish = catalog.template_active("ump", "decision", "es")
    assert (english.version, english.language, spanish.version, spanish.language) == (
        1,
        "",
        1,
        "es",
    )
    saved = catalog.template_save(
        program="ump",
        kind="decision",
        language="es",
        subject="Decisión sobre su {{ case.noun }}",
        body=spanish.body,
        note="a shorter subject",
        actor=people["bob"],
        based_on=1,
    )
    assert (saved.version, saved.language) == (2, "es")
    assert catalog.template_active("ump", "decision") == english  # English stays version 1
    assert catalog.template_versions("ump", "es")["decision"] == 2
    assert catalog.template_versions("ump")["decision"] == 1
    letter = letter_generate(case, kind="decision", actor=cases.people["bob"])
    assert letter.template == saved
    assert letter.subject == "Decisión sobre su apelación de primer nivel"
    with pytest.raises(Exception, match="language must be one of"):
        catalog.template_save(
            program="ump",
            kind="decision",
            language="fr",
            subject="x",
            body="y",
            note="z",
            actor=None,
        )
    assert LetterTemplate.objects.filter(program="ump", kind="decision").count() == 3


@pytest.mark.django_db
def test_the_email_carrying_a_spanish_letter_is_spanish(
    cases, smtp, django_capture_on_commit_callbacks
):
    speaking_spanish(cases)
    case = cases.ump_decided()
    letter = letter_generate(case, kind="decision", actor=cases.people["bob"])
    with django_capture_on_commit_callbacks(execute=True):
        letter_send(letter, actor=cases.people["bob"])
    _, _, message = smtp.messages[0]
    subject = str(make_header(decode_header(message["Subject"]))).strip()
    assert subject == (f"Nuestra decisión sobre su apelación de primer nivel ({case.number})")
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert body.startswith("Estimado/a Pat Doe:")
    assert "Adjuntamos en PDF una carta sobre su caso" in body and "Dear" not in body


def test_every_default_letter_but_the_iro_cover_has_spanish_text():
    for program in ("ump", "genex-ur"):
        english = set(catalog.shipped_kinds(program)) - {"iro_forwarding"}
        assert set(catalog.shipped_kinds(program, "es")) == english, program


def test_every_pack_word_a_letter_prints_has_spanish():
    """Categories, services, handlers' names, hours and e-mail words, filing rules and their
    'untimely' sentences, consent reasons: each has a Spanish translation in the catalogues
    (the portal's for what members see there, the letters' for the rest), so a Spanish letter
    never prints a pack sentence in English. A proper name reads the same in both."""
    registry = default_registry()
    found: set[str] = set()
    # a program without letter templates (the Medicare pack, so far) prints no pack word in one
    for program in (p for p in registry.programs() if catalog.shipped_kinds(p)):
        for loaded in registry.versions(program):
            pack = loaded.pack
            found.update(c.label for c in pack.categories.values())
            found.update(s.label for s in pack.services.values())
            for handler in pack.handlers.values():
                found.update({handler.name, handler.hours or ""})
                if "@" not in (handler.email or ""):
                    found.add(handler.email or "")
            for process in pack.processes:
                found.add(process.label)
                found.update(c.label for c in process.clocks)
                found.update(item.label for item in process.required)
                for variant in process.filing:
                    for window in variant.all_windows:
                        found.update({window.rule, window.untimely or ""})
                found.update(c.extension.reason or "" for c in process.clocks if c.extension)
    proper_names = {"Regence BlueShield", "Washington State Rx Services", "Premera Blue Cross"}
    with translation.override("es"):
        untranslated = sorted(t for t in found - proper_names if t and gettext(t) == t)
    assert not untranslated, untranslated


def test_the_administrators_pages_handle_both_languages(client, staff, appeal):
    client.force_login(staff["root"])
    listing = client.get("/desk/admin/letters/").content.decode()
    assert "In Spanish" in listing
    assert "/desk/admin/letters/ump/decision/?language=es" in listing
    # the IRO cover letter has no Spanish text: said so
    assert "Spanish-speaking members get the English letter" in listing
    url = "/desk/admin/letters/ump/acknowledgement/?language=es"
    html = client.get(url).content.decode()
    assert "Recibimos su {{ case.noun }}" in html and "Spanish · active version 1" in html
    spanish = LetterTemplate.objects.get(program="ump", kind="acknowledgement", language="es")
    body = spanish.body.replace("Qué sucede ahora", "Lo que haremos ahora")
    preview = client.post(
        url,
        {
            "subject": spanish.subject,
            "body": body,
            "based_on": 1,
            "preview_case": appeal.number,
            "preview": "1",
        },
    ).content.decode()
    assert "Lo que haremos ahora" in preview and "Atentamente," in preview
    assert "html lang=&quot;es&quot;" in preview
    saved = client.post(
        url, {"subject": spanish.subject, "body": body, "note": "otro título", "based_on": 1}
    )
    assert saved["Location"] == url
    assert catalog.template_active("ump", "acknowledgement", "es").version == 2
    assert catalog.template_active("ump", "acknowledgement").version == 1
    history = client.get(url).content.decode()
    assert "otro título" in history and "?language=es&amp;version=1" in history
    english = client.get("/desk/admin/letters/ump/acknowledgement/").content.decode()
    assert "otro título" not in english and "English · active version 1" in english
