"""The audit log is append-only on SQLite too (the demo's database).

0002 installed a PostgreSQL trigger; SQLite had only the application's refusal (AuditEvent.save
and the manager), so a raw UPDATE or DELETE through the shell rewrote the demo's log. SQLite
triggers raise with the same words, which Django reports as an IntegrityError (a DatabaseError).
"""

from django.db import migrations

_TRIGGERS = {
    "UPDATE": "patients_auditevent_append_only_update",
    "DELETE": "patients_auditevent_append_only_delete",
}


def guard(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for operation, name in _TRIGGERS.items():
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON patients_auditevent "
            f"BEGIN SELECT RAISE(ABORT, 'patients_auditevent is append-only ({operation} "
            "refused)'); END;"
        )


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in _TRIGGERS.values():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_clinic_sms_sender")]

    operations = [migrations.RunPython(guard, unguard, elidable=False)]
