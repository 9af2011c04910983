# Issue 20.7: audit actions for contact changes (re-enrolling an MRN, admin saves) and password resets.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_audit"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed"),
                    ("create", "Created"),
                    ("acknowledge", "Acknowledged"),
                    ("assign", "Assigned"),
                    ("note", "Added a note"),
                    ("resolve", "Resolved"),
                    ("call", "Recorded a call"),
                    ("export", "Exported"),
                    ("api", "API call"),
                    ("denied", "Denied"),
                    ("login", "Signed in"),
                    ("login_failed", "Sign-in failed"),
                    ("logout", "Signed out"),
                    ("two_factor", "Two-factor change"),
                    ("change", "Changed"),
                    ("password_reset", "Password reset"),
                ],
                max_length=20,
            ),
        ),
    ]
