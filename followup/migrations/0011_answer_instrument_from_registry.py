"""Rewrite ``Answer.instrument`` from the question code to the registry's instrument code.

Before, an SMS answer stored its question's type ("yes_no", "nrs", "choice", "free_text") and the
web form its own names ("odi", "ndi", "vas"). The label is a function of the question code alone,
so the rewrite is exact: each row gets the instrument the registry gives its question code, and
nothing about the answer itself (value, raw text, question code) changes. A PGIC answer becomes
PGIC5 (the earlier 5-point scale), never PGIC7.

The mapping is frozen here, as the registry stood when this migration was written, so a later
change to the registry cannot change what this migration did. A row whose question code is not
in it keeps its old label. Reversing restores the old labels from the same table.
"""

from django.db import migrations, models

# question code (or prefix ending in "_") -> (instrument code, old label)
_CODES = {
    "PAIN_NOW": ("NRS_PAIN", "nrs"),
    "PAIN_AVG": ("NRS_PAIN", "nrs"),
    "PAIN_BASELINE": ("NRS_PAIN", "nrs"),
    "PAIN_BACK": ("NRS_BACK", "nrs"),
    "PAIN_LEG": ("NRS_LEG", "nrs"),
    "ODI": ("ODI", "odi"),
    "NDI": ("NDI", "ndi"),
    "VAS": ("VAS", "vas"),
    "PGIC7": ("PGIC7", "choice"),
    "PGIC": ("PGIC5", "choice"),
    "MEDS": ("MEDS", "choice"),
    "ANYTHING_ELSE": ("COMMENT", "free_text"),
}
_PREFIXES = {
    "RF_": ("RED_FLAGS", "yes_no"),
    "BH_": ("BONE_HEALTH", "yes_no"),
    "TA_": ("ABLATION_IMAGING", "yes_no"),
}


def _rewrite(apps, forward: bool) -> None:
    Answer = apps.get_model("followup", "Answer")
    pick = 0 if forward else 1
    # One UPDATE per code (portable ORM: PostgreSQL and the demo's SQLite alike).
    for code, labels in _CODES.items():
        Answer.objects.filter(question_code=code).update(instrument=labels[pick])
    for prefix, labels in _PREFIXES.items():
        Answer.objects.filter(question_code__startswith=prefix).update(instrument=labels[pick])


def forwards(apps, schema_editor):
    _rewrite(apps, forward=True)


def backwards(apps, schema_editor):
    _rewrite(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0010_safety_screens_text_labels_shadow"),
    ]

    operations = [
        migrations.AlterField(
            model_name="answer",
            name="instrument",
            field=models.CharField(
                help_text="The registry's instrument code (followup/instruments/registry.py): "
                "NRS_PAIN, ODI, NDI, PGIC7, RED_FLAGS...",
                max_length=20,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
