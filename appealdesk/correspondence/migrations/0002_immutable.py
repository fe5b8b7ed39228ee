"""What a letter said stays provable, enforced by the database itself, not only by the ORM:

* a letter template version is never changed or deleted (an edit is a new version);
* a letter's content (case, template version, kind, subject, PDF, when it was rendered) never
  changes, and a letter is never deleted; only its sending status moves on;
* no stored document's content (file, SHA-256, size, type) is swapped after it was stored.
"""

from django.db import migrations

LETTER_CONTENT = ("case_id", "template_id", "kind", "subject", "document_id", "rendered_at")
DOCUMENT_CONTENT = ("sha256", "file", "size", "content_type")


def _changed(columns, op):
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


SQLITE = [
    """CREATE TRIGGER correspondence_template_no_update BEFORE UPDATE
       ON correspondence_lettertemplate
       BEGIN SELECT RAISE(ABORT, 'letter templates are versioned: UPDATE refused, save a new version'); END""",
    """CREATE TRIGGER correspondence_template_no_delete BEFORE DELETE
       ON correspondence_lettertemplate
       BEGIN SELECT RAISE(ABORT, 'letter templates are versioned: DELETE refused'); END""",
    f"""CREATE TRIGGER correspondence_letter_content BEFORE UPDATE ON correspondence_letter
       WHEN {_changed(LETTER_CONTENT, "IS NOT")}
       BEGIN SELECT RAISE(ABORT, 'a letter''s content is immutable: UPDATE refused'); END""",
    """CREATE TRIGGER correspondence_letter_no_delete BEFORE DELETE ON correspondence_letter
       BEGIN SELECT RAISE(ABORT, 'letters are kept: DELETE refused'); END""",
    f"""CREATE TRIGGER cases_document_content BEFORE UPDATE ON cases_document
       WHEN {_changed(DOCUMENT_CONTENT, "IS NOT")}
       BEGIN SELECT RAISE(ABORT, 'a stored document''s content is immutable: UPDATE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER correspondence_template_no_update",
    "DROP TRIGGER correspondence_template_no_delete",
    "DROP TRIGGER correspondence_letter_content",
    "DROP TRIGGER correspondence_letter_no_delete",
    "DROP TRIGGER cases_document_content",
]

POSTGRES = [
    """CREATE FUNCTION correspondence_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '%: % refused (%)', TG_TABLE_NAME, TG_OP, TG_ARGV[0]; END $$""",
    """CREATE TRIGGER correspondence_template_versioned BEFORE UPDATE OR DELETE
       ON correspondence_lettertemplate FOR EACH ROW
       EXECUTE FUNCTION correspondence_refuse('letter templates are versioned')""",
    f"""CREATE TRIGGER correspondence_letter_content BEFORE UPDATE ON correspondence_letter
       FOR EACH ROW WHEN ({_changed(LETTER_CONTENT, "IS DISTINCT FROM")})
       EXECUTE FUNCTION correspondence_refuse('a letter''s content is immutable')""",
    """CREATE TRIGGER correspondence_letter_no_delete BEFORE DELETE ON correspondence_letter
       FOR EACH ROW EXECUTE FUNCTION correspondence_refuse('letters are kept')""",
    f"""CREATE TRIGGER cases_document_content BEFORE UPDATE ON cases_document
       FOR EACH ROW WHEN ({_changed(DOCUMENT_CONTENT, "IS DISTINCT FROM")})
       EXECUTE FUNCTION correspondence_refuse('a stored document''s content is immutable')""",
]
POSTGRES_DROP = [
    "DROP TRIGGER correspondence_template_versioned ON correspondence_lettertemplate",
    "DROP TRIGGER correspondence_letter_content ON correspondence_letter",
    "DROP TRIGGER correspondence_letter_no_delete ON correspondence_letter",
    "DROP TRIGGER cases_document_content ON cases_document",
    "DROP FUNCTION correspondence_refuse()",
]


def _run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
