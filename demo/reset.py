"""Reset the demo: drop its SQLite database and the demo clock, then migrate and seed afresh.

The venv stays: only ``var/demo.sqlite3`` (with its WAL files) and ``var/demo-clock.json`` go.
Refuses anywhere but the demo (DEMO_MODE and an SQLite file): it deletes a database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from followup import clock


class ResetRefused(Exception):
    """Not the demo's database: nothing was deleted."""


def demo_database_path() -> Path:
    """The demo's SQLite file, or ResetRefused if this is not the demo."""
    if not getattr(settings, "DEMO_MODE", False):
        raise ResetRefused("demo_reset runs only in the demo (DEMO_MODE is off).")
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if "sqlite3" not in database.get("ENGINE", "") or not name or name == ":memory:":
        raise ResetRefused("demo_reset only deletes the demo's SQLite file; this is not one.")
    return Path(name)


def demo_reset(*, patients: int, say: Callable[[str], None] = print) -> list[Path]:
    """Delete the demo database and clock, migrate and seed; return the files deleted."""
    path = demo_database_path()
    connections.close_all()  # SQLite keeps the file open; the deleted file must not be written
    deleted = []
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        if candidate.exists():
            candidate.unlink()
            deleted.append(candidate)
    clock.reset()
    say(
        f"Deleted {', '.join(p.name for p in deleted) or 'nothing (no database yet)'}; clock reset."
    )
    say("Migrating a fresh database...")
    call_command("migrate", interactive=False, verbosity=0)
    say(f"Seeding the demo clinic ({patients} patients)...")
    call_command("seed_demo", patients=patients)
    return deleted
