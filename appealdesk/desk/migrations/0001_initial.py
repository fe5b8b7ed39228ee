import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLES = [
    "intake",
    "analyst",
    "administrative_reviewer",
    "clinical_reviewer",
    "supervisor",
    "administrator",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("cases", "0002_event_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessLog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True)),
                ("username", models.CharField(max_length=150)),
                ("case_number", models.CharField(max_length=60)),
                ("what", models.CharField(max_length=40)),
                ("allowed", models.BooleanField()),
                ("path", models.CharField(max_length=300)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                (
                    "case",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-id"],
                "indexes": [
                    models.Index(fields=["case", "at"], name="access_case_at"),
                    models.Index(fields=["user", "at"], name="access_user_at"),
                ],
            },
        ),
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
