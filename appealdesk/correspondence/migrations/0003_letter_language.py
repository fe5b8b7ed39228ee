"""Letters in the member's language (issue 18, item 9): a template's versions are per program,
kind and language; a letter records the language it was written in, and that is part of its
immutable content.

SQLite rebuilds a table to add a NOT NULL column, and the rebuilt table has none of the
triggers of 0002: they are dropped first and made again afterwards (the letter's with its
language), so the database keeps refusing changes to what a letter said.
"""

from importlib import import_module

from django.db import migrations, models

immutable = import_module("appealdesk.correspondence.migrations.0002_immutable")

LETTER_CONTENT = (*immutable.LETTER_CONTENT, "language")
TRIGGERS_SQLITE = immutable.SQLITE[:4]
TRIGGERS_SQLITE_DROP = immutable.SQLITE_DROP[:4]
LETTER_SQLITE = f"""CREATE TRIGGER correspondence_letter_content BEFORE UPDATE ON correspondence_letter
       WHEN {immutable._changed(LETTER_CONTENT, "IS NOT")}
       BEGIN SELECT RAISE(ABORT, 'a letter''s content is immutable: UPDATE refused'); END"""
LETTER_POSTGRES = f"""CREATE TRIGGER correspondence_letter_content BEFORE UPDATE ON correspondence_letter
       FOR EACH ROW WHEN ({immutable._changed(LETTER_CONTENT, "IS DISTINCT FROM")})
       EXECUTE FUNCTION correspondence_refuse('a letter''s content is immutable')"""
LETTER_POSTGRES_DROP = "DROP TRIGGER correspondence_letter_content ON correspondence_letter"


def _with_language(statements: list[str], letter: str) -> list[str]:
    return [letter if "correspondence_letter_content" in s else s for s in statements]


BEFORE = {"sqlite": TRIGGERS_SQLITE_DROP, "postgresql": [LETTER_POSTGRES_DROP]}
AFTER = {
    "sqlite": _with_language(TRIGGERS_SQLITE, LETTER_SQLITE),
    "postgresql": [LETTER_POSTGRES],
}
# going back: the triggers as 0002 made them
AFTER_BACK = {"sqlite": TRIGGERS_SQLITE, "postgresql": [immutable.POSTGRES[2]]}


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0002_immutable")]

    operations = [
        migrations.RunPython(immutable._run(BEFORE), immutable._run(AFTER_BACK)),
        migrations.AlterModelOptions(
            name="lettertemplate",
            options={"ordering": ["program", "kind", "language", "-version"]},
        ),
        migrations.RemoveConstraint(
            model_name="lettertemplate",
            name="one_letter_template_version",
        ),
        migrations.AddField(
            model_name="letter",
            name="language",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        migrations.AddField(
            model_name="lettertemplate",
            name="language",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        migrations.AddConstraint(
            model_name="lettertemplate",
            constraint=models.UniqueConstraint(
                fields=("program", "kind", "language", "version"),
                name="one_letter_template_version",
            ),
        ),
        migrations.RunPython(immutable._run(AFTER), immutable._run(BEFORE)),
    ]
